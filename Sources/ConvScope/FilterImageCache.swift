import ConvEngine
import Foundation
import Platform
import WeightsStore

/// Finished filter images on disk, so a deep layer's are computed once:
/// `$XDG_CACHE_HOME/convscope/filters/<model SHA-256>-<preprocessing>/<key digest>/<filter>.bin` (default
/// `~/.cache/convscope/…`). One file an image, written atomically. A file is used only when all of it checks out —
/// its magic, its own statement of the model, layer, recipe and filter, its sizes, a SHA-256 of its bytes and finite
/// values; anything else is deleted and the image made again. The whole folder (every model's) is held under
/// `limitBytes`: every 32 saves, the images used least recently go first (a hit refreshes its file's time).
final class FilterImageCache: @unchecked Sendable {
    /// Which images: the layer and the method with its settings.
    struct Key: Hashable {
        let layer: String
        let recipe: FilterRecipe

        /// Canonical text of the key (sorted JSON), stored in every file and digested for its folder.
        var text: String {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let recipeText = String(decoding: (try? encoder.encode(recipe)) ?? Data(), as: UTF8.self)
            return "layer=\(layer) recipe=\(recipeText)"
        }
    }

    let folder: String
    let root: String
    /// The most the cache's folder may hold (all models together).
    let limitBytes: Int
    /// 512 MB, or `CONVSCOPE_FILTER_CACHE_MB` megabytes.
    static var defaultLimitBytes: Int {
        let mb = ProcessInfo.processInfo.environment["CONVSCOPE_FILTER_CACHE_MB"].flatMap { Int($0) }
        return max(mb ?? 512, 1) << 20
    }
    private let saves = ManagedAtomicCounter()
    /// The model as run: its file's SHA-256, preprocessing and name.
    let modelID: String
    private static let magic = Array("CSFI".utf8)
    private static let version: UInt32 = 1

    /// `$XDG_CACHE_HOME/convscope/filters` (an absolute XDG_CACHE_HOME only), else `~/.cache/convscope/filters`.
    static func root(environment env: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let xdg = env["XDG_CACHE_HOME"], xdg.hasPrefix("/") { return xdg + "/convscope/filters" }
        return (env["HOME"] ?? NSHomeDirectory()) + "/.cache/convscope/filters"
    }

    init(
        root: String = FilterImageCache.root(), modelSHA256: String, model: Model,
        limitBytes: Int = FilterImageCache.defaultLimitBytes
    ) {
        self.root = root
        self.limitBytes = limitBytes
        modelID = "\(modelSHA256)|\(model.preprocessing.rawValue)|\(model.name)"
        folder = root + "/\(modelSHA256)-\(model.preprocessing.rawValue)"
    }

    /// The cache for the model loaded from `path`: its SHA-256 is computed once per file version and process.
    static func forModel(path: String, model: Model) throws -> FilterImageCache {
        FilterImageCache(modelSHA256: try ModelDigest.sha256(ofFile: path), model: model)
    }

    private func keyFolder(_ key: Key) -> String {
        folder + "/" + Digest.hex(.sha256, of: Data(key.text.utf8)).prefix(32)
    }

    func path(_ key: Key, filter: Int) -> String { keyFolder(key) + "/\(filter).bin" }

    /// The cached images of `filters` that check out, in filter order.
    func images(_ key: Key, filters: [Int]) -> [FilterImage] { filters.compactMap { image(key, filter: $0) } }

    /// The cached image, or nil when there is none or its file does not check out (then the file is deleted).
    func image(_ key: Key, filter: Int) -> FilterImage? {
        let p = path(key, filter: filter)
        guard let data = FileManager.default.contents(atPath: p) else { return nil }
        if let image = decode(data, key: key, filter: filter) {
            try? FileManager.default.setAttributes([.modificationDate: Date()], ofItemAtPath: p)  // recently used
            return image
        }
        try? FileManager.default.removeItem(atPath: p)
        return nil
    }

    /// Writes the image atomically; throws when the disk refuses (callers carry on without the cache).
    func save(_ image: FilterImage, _ key: Key) throws {
        try FileManager.default.createDirectory(atPath: keyFolder(key), withIntermediateDirectories: true)
        try AtomicFile.write(encode(image, key: key), to: path(key, filter: image.filter))
        if saves.increment() % 32 == 1 { prune() }
    }

    /// Deletes the least recently used images, oldest first, until the folder holds at most 90% of `limitBytes`;
    /// returns how many bytes it freed. Files it can't read or delete are left alone.
    @discardableResult
    func prune() -> Int {
        let fm = FileManager.default
        guard let walker = fm.enumerator(atPath: root) else { return 0 }
        var files: [(path: String, size: Int, used: Date)] = []
        var total = 0
        while let relative = walker.nextObject() as? String {
            let path = root + "/" + relative
            guard relative.hasSuffix(".bin"), let a = try? fm.attributesOfItem(atPath: path),
                a[.type] as? FileAttributeType == .typeRegular
            else { continue }
            let size = (a[.size] as? NSNumber)?.intValue ?? 0
            files.append((path, size, a[.modificationDate] as? Date ?? .distantPast))
            total += size
        }
        guard total > limitBytes else { return 0 }
        var freed = 0
        for f in files.sorted(by: { $0.used < $1.used }) where total - freed > limitBytes / 10 * 9 {
            if (try? fm.removeItem(atPath: f.path)) != nil { freed += f.size }
        }
        return freed
    }

    // MARK: The file

    private struct Header: Codable {
        let model: String, key: String, filter: Int, side: Int, rawCount: Int, start: Float, final: Float
    }

    func encode(_ image: FilterImage, key: Key) -> Data {
        let header = Header(
            model: modelID, key: key.text, filter: image.filter, side: image.side,
            rawCount: image.raw.count, start: image.startActivation, final: image.finalActivation)
        let json = (try? JSONEncoder().encode(header)) ?? Data()
        var d = Data(Self.magic)
        withUnsafeBytes(of: Self.version.littleEndian) { d.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt32(json.count).littleEndian) { d.append(contentsOf: $0) }
        d.append(json)
        d.append(contentsOf: image.rgb)
        image.raw.withUnsafeBytes { d.append(contentsOf: $0) }  // little-endian on every platform Swift runs here
        d.append(Data(Digest.hex(.sha256, of: d).utf8))
        return d
    }

    func decode(_ d: Data, key: Key, filter: Int) -> FilterImage? {
        let bytes = [UInt8](d)
        guard bytes.count > 12 + 64, Array(bytes[0..<4]) == Self.magic, word(bytes, 4) == Self.version else {
            return nil
        }
        let body = bytes.count - 64
        guard String(decoding: bytes[body...], as: UTF8.self) == Digest.hex(.sha256, of: Data(bytes[0..<body]))
        else { return nil }
        let jsonCount = Int(word(bytes, 8))
        guard jsonCount <= body - 12,
            let h = try? JSONDecoder().decode(Header.self, from: Data(bytes[12..<(12 + jsonCount)])),
            h.model == modelID, h.key == key.text, h.filter == filter, h.side > 0, h.side <= 4096,
            h.rawCount >= 0, h.rawCount <= 3 << 24
        else { return nil }
        let rgbStart = 12 + jsonCount
        let rawStart = rgbStart + h.side * h.side * 3
        guard rawStart + 4 * h.rawCount == body else { return nil }
        var raw = [Float](repeating: 0, count: h.rawCount)
        raw.withUnsafeMutableBytes { out in
            bytes.withUnsafeBytes { all in out.copyMemory(from: UnsafeRawBufferPointer(rebasing: all[rawStart..<body]))
            }
        }
        guard raw.allSatisfy(\.isFinite), h.start.isFinite, h.final.isFinite else { return nil }
        return FilterImage(
            filter: filter, side: h.side, rgb: Array(bytes[rgbStart..<rawStart]), raw: raw,
            startActivation: h.start, finalActivation: h.final)
    }

    /// A count several queues may bump.
    private final class ManagedAtomicCounter: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0
        func increment() -> Int {
            lock.lock()
            defer { lock.unlock() }
            value += 1
            return value
        }
    }

    private func word(_ b: [UInt8], _ at: Int) -> UInt32 {
        UInt32(b[at]) | UInt32(b[at + 1]) << 8 | UInt32(b[at + 2]) << 16 | UInt32(b[at + 3]) << 24
    }
}
