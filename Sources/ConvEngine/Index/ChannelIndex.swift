import Foundation

/// For every channel of some hidden layers, the images of one folder that excite it most: at most one entry per image
/// (its best position), strongest first, ties by path. Built a batch at a time (`add`, `skip`), updated when files
/// change (`forget`), combined (`merge`), and saved as a checked binary file (`encoded`, `init(decoding:)`).
public struct ChannelIndex: Sendable {
    public private(set) var settings: IndexSettings
    /// Every file seen, in the order first seen; entries refer to rows of this table.
    public private(set) var images: [IndexedImage] = []
    /// Per layer, per channel.
    private(set) var lists: [[TopList]]
    private var rows: [String: Int] = [:]
    private var paths: [String] = []

    public init(settings: IndexSettings) {
        precondition(settings.top >= 1 && settings.keep >= settings.top && !settings.layers.isEmpty)
        self.settings = settings
        lists = settings.layers.map { [TopList](repeating: TopList(), count: $0.channels) }
    }

    /// An index read from a file: `images` and `lists` already checked against each other.
    init(settings: IndexSettings, images: [IndexedImage], lists: [[TopList]]) {
        self.settings = settings
        self.images = images
        self.lists = lists
        paths = images.map(\.path)
        for (i, image) in images.enumerated() where image.state != .gone { rows[image.path] = i }
    }

    // MARK: Asking

    public var layerNames: [String] { settings.layers.map(\.name) }
    public var indexedCount: Int { images.filter { $0.state == .indexed }.count }
    public var skipped: [IndexedImage] {
        images.filter { if case .skipped = $0.state { return true } else { return false } }
    }

    /// The file at `path` (relative to the folder), unless it has gone.
    public func image(_ path: String) -> IndexedImage? { rows[path].map { images[$0] } }

    /// Channel `channel` of `layer`'s strongest images, strongest first: `settings.top` of them, or `count`.
    public func top(layer: String, channel: Int, count: Int? = nil) throws -> [IndexEntry] {
        guard let l = settings.layers.firstIndex(where: { $0.name == layer }) else {
            throw IndexError.unknownLayer(layer, indexed: layerNames)
        }
        let info = settings.layers[l]
        guard (0..<info.channels).contains(channel) else {
            throw IndexError.channelOutOfRange(layer: layer, channel: channel, channels: info.channels)
        }
        let n = min(count ?? settings.top, settings.keep)
        return lists[l][channel].slots.prefix(n).enumerated().map { rank, s in entry(s, rank: rank + 1, info) }
    }

    /// Whether `top(layer:channel:)` is the channel's true top (false only after more of its images changed or went
    /// than the reserve covers; indexing the folder again from the start mends it).
    public func isExact(layer: Int, channel: Int) -> Bool { lists[layer][channel].isExact(top: settings.top) }

    /// Channels whose top is no longer certain (see `isExact`).
    public var inexactChannels: Int {
        lists.reduce(0) { $0 + $1.filter { !$0.isExact(top: settings.top) }.count }
    }

    private func entry(_ s: TopSlot, rank: Int, _ layer: IndexedLayer) -> IndexEntry {
        let image = images[Int(s.image)]
        let y = Int(s.position) / layer.width, x = Int(s.position) % layer.width
        let inputBox = layer.field.box(y: y, x: x)
        let view = InputView(imageWidth: image.width, imageHeight: image.height, inputWidth: settings.inputWidth,
                             inputHeight: settings.inputHeight, crop: settings.crop)
        return IndexEntry(rank: rank, path: (settings.folder as NSString).appendingPathComponent(image.path),
                          relativePath: image.path, value: s.value, y: y, x: x, inputBox: inputBox,
                          box: view.original(inputBox), imageWidth: image.width, imageHeight: image.height)
    }

    // MARK: Building

    /// Records an image's maxima (from a `ChannelScanner` over this index's layers, in order). A file indexed before
    /// under this path is replaced. `width`×`height`: the photo's own size.
    public mutating func add(path: String, size: Int64, modified: Int64, width: Int, height: Int,
                             maxima: ImageMaxima) {
        precondition(maxima.values.count == settings.channelCount && width > 0 && height > 0)
        if rows[path] != nil { forget([path]) }
        let id = row(for: IndexedImage(path: path, size: size, modified: modified, width: width, height: height,
                                       state: .indexed))
        var k = 0
        for l in settings.layers.indices {
            let pixels = Int32(settings.layers[l].height * settings.layers[l].width)
            for c in 0..<settings.layers[l].channels {
                let v = maxima.values[k], p = maxima.positions[k]
                k += 1
                guard v.isFinite, p >= 0, p < pixels else { continue }
                lists[l][c].offer(TopSlot(image: id, position: p, value: v), capacity: settings.keep, paths: paths)
            }
        }
    }

    /// Records a file that is not a usable image, and why (a file indexed before under this path is dropped).
    public mutating func skip(path: String, size: Int64, modified: Int64, reason: String) {
        if rows[path] != nil { forget([path]) }
        _ = row(for: IndexedImage(path: path, size: size, modified: modified, state: .skipped(reason)))
    }

    /// Drops files that changed or went: their entries leave every channel (the rest stay exact, see `TopList`).
    public mutating func forget(_ gonePaths: some Sequence<String>) {
        var gone = [Bool](repeating: false, count: images.count)
        for p in gonePaths {
            guard let r = rows.removeValue(forKey: p) else { continue }
            gone[r] = images[r].state == .indexed
            images[r].state = .gone
        }
        guard gone.contains(true) else { return }
        for l in lists.indices { for c in lists[l].indices { lists[l][c].remove(gone) } }
    }

    /// `other`'s images joined to these (the same settings; for a path in both, `other`'s file wins): the lists are
    /// what one index of all the images would hold.
    public mutating func merge(_ other: ChannelIndex) throws {
        guard other.settings == settings else { throw IndexError.cannotMerge(reason: "their settings differ") }
        forget(other.images.filter { $0.state != .gone }.map(\.path))
        var map = [Int32](repeating: -1, count: other.images.count)
        for (i, image) in other.images.enumerated() {
            if image.state == .gone {
                map[i] = Int32(images.count)          // a floor's image: kept under a row of its own
                images.append(image)
                paths.append(image.path)
            } else {
                map[i] = row(for: image)
            }
        }
        for l in lists.indices {
            for c in lists[l].indices {
                lists[l][c].merge(other.lists[l][c].renumbered(map), capacity: settings.keep, paths: paths)
            }
        }
    }

    /// A new row for a file not in the table (or gone from it; the gone row stays while a floor names it).
    private mutating func row(for image: IndexedImage) -> Int32 {
        precondition(rows[image.path] == nil)
        let r = images.count
        images.append(image)
        paths.append(image.path)
        rows[image.path] = r
        return Int32(r)
    }
}
