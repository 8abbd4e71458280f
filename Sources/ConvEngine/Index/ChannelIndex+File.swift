import Foundation

/// The index file: "CSCHIDX\n", the format version (UInt32), the payload's length (UInt64) and FNV-1a checksum
/// (UInt64), then the payload: the settings as JSON, the image table, and every channel's list with its floor. All
/// little-endian. Reading checks everything before anything is used: magic, version, length, checksum, then every
/// field against the settings (rows in range, positions inside the map, values finite, lists in rank order with one
/// slot per image, nothing above capacity, nothing below its floor). A file that fails is refused with the reason.
extension ChannelIndex {
    public static let formatVersion: UInt32 = 1
    static let magic = Array("CSCHIDX\n".utf8)
    static let headerSize = 8 + 4 + 8 + 8
    /// Far above any real folder or model, low enough that a damaged count cannot ask for absurd memory.
    static let maxImages = 50_000_000, maxChannels = 1 << 20, maxPath = 1 << 16, maxSettings = 1 << 24

    /// The file's bytes. Rows of files that went and that no floor names are left out.
    public func encoded() -> [UInt8] {
        let c = compacted()
        var w = ByteWriter()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]   // the same settings, the same bytes
        let settingsJSON = (try? encoder.encode(c.settings)).map { [UInt8]($0) } ?? []
        w.put(UInt32(settingsJSON.count))
        w.put(raw: settingsJSON)
        w.put(UInt64(c.images.count))
        for image in c.images {
            w.put(image.path)
            w.put(image.size)
            w.put(image.modified)
            w.put(UInt32(image.width))
            w.put(UInt32(image.height))
            switch image.state {
            case .indexed: w.put(UInt8(0))
            case .skipped(let reason): w.put(UInt8(1)); w.put(reason)
            case .gone: w.put(UInt8(2))
            }
        }
        for layer in c.lists {
            for list in layer {
                w.put(UInt32(list.slots.count))
                w.put(UInt8(list.floor == nil ? 0 : 1))
                for s in list.floor.map({ [$0] + list.slots }) ?? list.slots {
                    w.put(s.image); w.put(s.position); w.put(s.value)
                }
            }
        }
        var out = ByteWriter()
        out.put(raw: Self.magic)
        out.put(Self.formatVersion)
        out.put(UInt64(w.bytes.count))
        out.put(FNV1a.hash(w.bytes[...]))
        out.put(raw: w.bytes)
        return out.bytes
    }

    /// Reads a file's bytes (`source` names it in errors), refusing anything that does not check out.
    public init(decoding bytes: [UInt8], source: String) throws {
        guard bytes.count >= Self.headerSize, Array(bytes.prefix(8)) == Self.magic else {
            throw IndexError.notAnIndex(file: source)
        }
        var header = ByteReader(bytes, offset: 8)
        let version = try header.get(UInt32.self)
        guard version == Self.formatVersion else {
            throw IndexError.otherVersion(file: source, found: version, expected: Self.formatVersion)
        }
        let length = try header.get(UInt64.self), sum = try header.get(UInt64.self)
        guard length == UInt64(bytes.count - Self.headerSize) else {
            throw IndexError.damaged(file: source, detail: "it is \(bytes.count) bytes, its header says "
                                     + "\(length + UInt64(Self.headerSize)); it was cut short or added to")
        }
        guard FNV1a.hash(bytes[Self.headerSize...]) == sum else {
            throw IndexError.damaged(file: source, detail: "its checksum does not match its contents")
        }
        do {
            var r = ByteReader(bytes, offset: Self.headerSize)
            try self.init(reading: &r)
            guard r.atEnd else { throw Refusal("bytes after its last list") }
        } catch let refusal as Refusal {
            throw IndexError.damaged(file: source, detail: refusal.detail)
        } catch is ByteReader.Short {
            throw IndexError.damaged(file: source, detail: "it ends early")
        }
    }

    private struct Refusal: Error {
        let detail: String
        init(_ detail: String) { self.detail = detail }
    }

    private init(reading r: inout ByteReader) throws {
        let jsonLength = Int(try r.get(UInt32.self))
        guard jsonLength <= Self.maxSettings else { throw Refusal("its settings are \(jsonLength) bytes") }
        guard let settings = try? JSONDecoder().decode(IndexSettings.self, from: Data(try r.raw(jsonLength))) else {
            throw Refusal("its settings cannot be read")
        }
        try Self.check(settings)
        let count = try r.get(UInt64.self)
        guard count <= UInt64(Self.maxImages) else { throw Refusal("it claims \(count) images") }
        var images: [IndexedImage] = []
        var live = Set<String>()
        for _ in 0..<Int(count) {
            guard let path = try r.string(max: Self.maxPath), !path.isEmpty else { throw Refusal("a file name") }
            let size = try r.get(Int64.self), modified = try r.get(Int64.self)
            let width = Int(try r.get(UInt32.self)), height = Int(try r.get(UInt32.self))
            let state: IndexedImage.State
            switch try r.get(UInt8.self) {
            case 0:
                guard width > 0, height > 0 else { throw Refusal("\(path) is indexed but has no size") }
                state = .indexed
            case 1:
                guard let reason = try r.string(max: Self.maxPath) else { throw Refusal("a reason for \(path)") }
                state = .skipped(reason)
            case 2: state = .gone
            default: throw Refusal("the state of \(path)")
            }
            if state != .gone { guard live.insert(path).inserted else { throw Refusal("\(path) is listed twice") } }
            images.append(IndexedImage(path: path, size: size, modified: modified, width: width, height: height,
                                       state: state))
        }
        let paths = images.map(\.path)
        var lists: [[TopList]] = []
        for layer in settings.layers {
            let pixels = Int32(layer.height * layer.width)
            var channelLists: [TopList] = []
            for c in 0..<layer.channels {
                let place = "\(layer.name) channel \(c)"
                let n = Int(try r.get(UInt32.self))
                guard n <= settings.keep else { throw Refusal("\(place) holds \(n) images, over \(settings.keep)") }
                let hasFloor = try r.get(UInt8.self)
                guard hasFloor <= 1 else { throw Refusal("\(place)'s floor") }
                var slots: [TopSlot] = []
                for k in 0..<(n + Int(hasFloor)) {
                    let s = TopSlot(image: try r.get(Int32.self), position: try r.get(Int32.self), value: try r.float())
                    guard s.image >= 0, Int(s.image) < images.count else { throw Refusal("\(place) names no file") }
                    guard s.position >= 0, s.position < pixels else {
                        throw Refusal("\(place): a position off the map")
                    }
                    guard s.value.isFinite else { throw Refusal("\(place): a value that is not a number") }
                    let state = images[Int(s.image)].state
                    if k >= Int(hasFloor) ? state != .indexed : state != .indexed && state != .gone {
                        throw Refusal("\(place) names a file that is not indexed")
                    }
                    slots.append(s)
                }
                let floor = hasFloor == 1 ? slots.removeFirst() : nil
                for (a, b) in zip(slots, slots.dropFirst()) where !TopList.ranks(a, above: b, paths) {
                    throw Refusal("\(place) is out of order")
                }
                if let f = floor, let last = slots.last, !TopList.ranks(last, above: f, paths) {
                    throw Refusal("\(place) holds an image below its floor")
                }
                guard Set(slots.map(\.image)).count == slots.count else { throw Refusal("\(place) names a file twice") }
                channelLists.append(TopList(slots: slots, floor: floor))
            }
            lists.append(channelLists)
        }
        self.init(settings: settings, images: images, lists: lists)
    }

    private static func check(_ s: IndexSettings) throws {
        guard s.top >= 1, s.keep >= s.top, s.keep <= 1 << 16 else { throw Refusal("it keeps \(s.keep) of \(s.top)") }
        guard !s.layers.isEmpty, s.inputHeight > 0, s.inputWidth > 0 else { throw Refusal("its layers") }
        var channels = 0
        for l in s.layers {
            guard l.height > 0, l.width > 0, l.channels > 0, l.height * l.width <= Int(Int32.max) else {
                throw Refusal("the shape of \(l.name)")
            }
            let f = l.field
            guard [f.vertical, f.horizontal].allSatisfy({ $0.size > 0 && $0.jump >= 0 }),
                  f.inputHeight == s.inputHeight, f.inputWidth == s.inputWidth else {
                throw Refusal("the receptive field of \(l.name)")
            }
            channels += l.channels
        }
        guard channels <= Self.maxChannels else { throw Refusal("it claims \(channels) channels") }
    }

    /// The same index without the rows of files that went and that no floor names.
    func compacted() -> ChannelIndex {
        var needed = images.map { $0.state != .gone }
        for layer in lists { for list in layer { if let f = list.floor { needed[Int(f.image)] = true } } }
        guard needed.contains(false) else { return self }
        var map = [Int32](repeating: -1, count: images.count), kept: [IndexedImage] = []
        for (i, image) in images.enumerated() where needed[i] {
            map[i] = Int32(kept.count)
            kept.append(image)
        }
        return ChannelIndex(settings: settings, images: kept,
                            lists: lists.map { $0.map { $0.renumbered(map) } })
    }
}
