import Foundation
import ZIPFoundation

/// A Keras 3 `.keras` file: a zip holding `config.json`, `metadata.json` and `model.weights.h5`. Every entry's sizes
/// are checked before it is extracted, and extraction stops at the declared size, so a damaged or hostile zip can
/// neither fill memory nor the disk. The weights go to a private temporary file that is deleted after reading.
struct KerasArchive {
    /// The largest `config.json` read (VGG19's is about 30 KB).
    static let maxConfigBytes: UInt64 = 16 << 20
    /// The largest `model.weights.h5` extracted.
    static let maxWeightsBytes: UInt64 = 4 << 30
    /// Deflate cannot compress better than about 1032:1; a larger declared ratio is a zip bomb or a lie.
    static let maxRatio: UInt64 = 1100

    let name: String
    private let archive: Archive

    /// True when the file starts with a zip local-file header ("PK\u{3}\u{4}").
    static func hasSignature(path: String) -> Bool {
        guard let h = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? h.close() }
        return (try? h.read(upToCount: 4)) == Data([0x50, 0x4b, 0x03, 0x04])
    }

    init(path: String) throws {
        name = (path as NSString).lastPathComponent
        do {
            archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
        } catch {
            throw ModelError.malformed(file: name, detail: "not a readable zip archive (\(error))")
        }
    }

    /// Whether the archive has an entry at `path`.
    func contains(_ path: String) -> Bool { archive[path] != nil }

    /// The bytes of `config.json`, at most `maxConfigBytes`.
    func config() throws -> [UInt8] {
        let entry = try self.entry("config.json", limit: KerasArchive.maxConfigBytes)
        var bytes = [UInt8]()
        bytes.reserveCapacity(Int(entry.uncompressedSize))
        try extract(entry) { bytes.append(contentsOf: $0) }
        return bytes
    }

    /// Extracts `model.weights.h5` to a private temporary file, calls `body` with its path, and deletes the file.
    func withWeightsFile<T>(_ body: (String) throws -> T) throws -> T {
        let entry = try self.entry("model.weights.h5", limit: KerasArchive.maxWeightsBytes)
        let dir = FileManager.default.temporaryDirectory
        let url = dir.appendingPathComponent("convscope-\(UUID().uuidString).weights.h5")
        guard FileManager.default.createFile(atPath: url.path, contents: nil,
            attributes: [.posixPermissions: 0o600]) else {
            throw ModelError.unsupported(file: name, layer: "model.weights.h5",
                                         reason: "cannot create a temporary file in \(dir.path) to unpack the weights")
        }
        defer { try? FileManager.default.removeItem(at: url) }
        do {
            let handle = try FileHandle(forWritingTo: url)
            defer { try? handle.close() }
            try extract(entry) { try handle.write(contentsOf: $0) }
        } catch let error as ModelError {
            throw error
        } catch {
            throw ModelError.unsupported(file: name, layer: "model.weights.h5",
                                         reason: "cannot unpack the weights to \(dir.path): "
                                                 + "\(error.localizedDescription)")
        }
        return try body(url.path)
    }

    /// The entry at `path`, after checking its declared sizes against `limit` and against each other.
    private func entry(_ path: String, limit: UInt64) throws -> Entry {
        guard let entry = archive[path] else {
            throw ModelError.malformed(file: name,
                detail: "the archive has no \(path); is this a Keras 3 .keras model?")
        }
        guard entry.type == .file else { throw ModelError.malformed(file: name,
            detail: "\(path) is not a plain file") }
        let size = entry.uncompressedSize, packed = entry.compressedSize
        guard size <= limit else {
            throw ModelError.unsupported(file: name, layer: path,
                                         reason: "it unpacks to \(size) bytes; ConvScope reads at most \(limit)")
        }
        if entry.isCompressed {
            guard size <= max(packed, 1) * KerasArchive.maxRatio else {
                throw ModelError.malformed(file: name,
                    detail: "\(path) claims \(size) bytes from \(packed) compressed")
            }
        } else if size != packed {
            throw ModelError.malformed(file: name, detail: "stored entry \(path) has sizes \(packed) and \(size)")
        }
        return entry
    }

    /// Streams an entry's bytes to `consume`, refusing more than its declared size and checking length and CRC-32.
    private func extract(_ entry: Entry, _ consume: (Data) throws -> Void) throws {
        let declared = entry.uncompressedSize
        var seen: UInt64 = 0
        let crc: CRC32
        do {
            crc = try archive.extract(entry, bufferSize: 1 << 20) { chunk in
                seen += UInt64(chunk.count)
                guard seen <= declared else {
                    throw ModelError.malformed(file: name,
                        detail: "\(entry.path) unpacks to more than its declared \(declared) bytes")
                }
                try consume(chunk)
            }
        } catch let error as ModelError {
            throw error
        } catch {
            throw ModelError.malformed(file: name,
                detail: "\(entry.path) cannot be unpacked (\(error)); the file may be truncated")
        }
        guard seen == declared else {
            throw ModelError.malformed(file: name,
                detail: "\(entry.path) unpacks to \(seen) of \(declared) bytes; the file is truncated")
        }
        guard crc == entry.checksum else {
            throw ModelError.malformed(file: name, detail: "\(entry.path) fails its CRC-32 check; the file is damaged")
        }
    }
}
