import CZip
import Foundation

/// A Keras 3 `.keras` file: a zip holding `config.json`, `metadata.json` and `model.weights.h5`, read with libzip
/// (Debian's libzip, fuzzed upstream in OSS-Fuzz). The archive is opened with libzip's consistency checks, every
/// entry's sizes are checked before it is extracted, and extraction stops at the declared size, so a damaged or
/// hostile zip can neither fill memory nor the disk; libzip checks each entry's CRC-32 at its end. The weights go to a
/// private temporary file that is deleted after reading.
final class KerasArchive {
    /// The largest `config.json` read (VGG19's is about 30 KB).
    static let maxConfigBytes: UInt64 = 16 << 20
    /// The largest `model.weights.h5` extracted.
    static let maxWeightsBytes: UInt64 = 4 << 30
    /// Deflate cannot compress better than about 1032:1; a larger declared ratio is a zip bomb or a lie.
    static let maxRatio: UInt64 = 1100

    let name: String
    private let archive: OpaquePointer

    /// True when the file starts with a zip local-file header ("PK\u{3}\u{4}").
    static func hasSignature(path: String) -> Bool {
        guard let h = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? h.close() }
        return (try? h.read(upToCount: 4)) == Data([0x50, 0x4b, 0x03, 0x04])
    }

    init(path: String) throws {
        name = (path as NSString).lastPathComponent
        var code: Int32 = 0
        guard let archive = zip_open(path, ZIP_RDONLY | ZIP_CHECKCONS, &code) else {
            throw ModelError.malformed(file: name, detail: "not a readable zip archive (\(Self.message(code)))")
        }
        self.archive = archive
    }

    deinit { zip_discard(archive) }

    /// Whether the archive has an entry at `path`.
    func contains(_ path: String) -> Bool { zip_name_locate(archive, path, 0) >= 0 }

    /// The bytes of `config.json`, at most `maxConfigBytes`.
    func config() throws -> [UInt8] {
        let entry = try self.entry("config.json", limit: KerasArchive.maxConfigBytes)
        var bytes = [UInt8]()
        bytes.reserveCapacity(Int(entry.size))
        try extract(entry) { bytes.append(contentsOf: $0) }
        return bytes
    }

    /// Extracts `model.weights.h5` to a private temporary file, calls `body` with its path, and deletes the file.
    func withWeightsFile<T>(_ body: (String) throws -> T) throws -> T {
        let entry = try self.entry("model.weights.h5", limit: KerasArchive.maxWeightsBytes)
        let dir = FileManager.default.temporaryDirectory
        let url = dir.appendingPathComponent("convscope-\(UUID().uuidString).weights.h5")
        guard
            FileManager.default.createFile(
                atPath: url.path, contents: nil,
                attributes: [.posixPermissions: 0o600])
        else {
            throw ModelError.unsupported(
                file: name, layer: "model.weights.h5",
                reason: "cannot create a temporary file in \(dir.path) to unpack the weights")
        }
        defer { try? FileManager.default.removeItem(at: url) }
        do {
            let handle = try FileHandle(forWritingTo: url)
            defer { try? handle.close() }
            try extract(entry) { try handle.write(contentsOf: Data($0)) }
        } catch let error as ModelError {
            throw error
        } catch {
            throw ModelError.unsupported(
                file: name, layer: "model.weights.h5",
                reason: "cannot unpack the weights to \(dir.path): "
                    + "\(error.localizedDescription)")
        }
        return try body(url.path)
    }

    /// One entry's index, path and declared sizes.
    private struct Entry {
        let index: UInt64
        let path: String
        let size: UInt64
    }

    /// The entry at `path`, after checking its kind and its declared sizes against `limit` and against each other.
    private func entry(_ path: String, limit: UInt64) throws -> Entry {
        let located = zip_name_locate(archive, path, 0)
        guard located >= 0 else {
            throw ModelError.malformed(
                file: name,
                detail: "the archive has no \(path); is this a Keras 3 .keras model?")
        }
        let index = UInt64(located)
        var system: UInt8 = 0
        var attributes: UInt32 = 0
        if zip_file_get_external_attributes(archive, index, 0, &system, &attributes) == 0,
            system == UInt8(ZIP_OPSYS_UNIX), case let kind = (attributes >> 16) & 0o170000, kind != 0,
            kind != 0o100000
        {
            throw ModelError.malformed(file: name, detail: "\(path) is not a plain file")
        }
        var st = zip_stat_t()
        zip_stat_init(&st)
        let needed = UInt64(ZIP_STAT_SIZE | ZIP_STAT_COMP_SIZE | ZIP_STAT_COMP_METHOD)
        guard zip_stat_index(archive, index, 0, &st) == 0, st.valid & needed == needed else {
            throw ModelError.malformed(file: name, detail: "\(path) has no readable sizes in the zip directory")
        }
        let size = st.size
        let packed = st.comp_size
        guard size <= limit else {
            throw ModelError.unsupported(
                file: name, layer: path,
                reason: "it unpacks to \(size) bytes; ConvScope reads at most \(limit)")
        }
        if st.comp_method != UInt16(ZIP_CM_STORE) {
            let (most, overflow) = max(packed, 1).multipliedReportingOverflow(by: KerasArchive.maxRatio)
            guard overflow || size <= most else {
                throw ModelError.malformed(
                    file: name,
                    detail: "\(path) claims \(size) bytes from \(packed) compressed")
            }
        } else if size != packed {
            throw ModelError.malformed(file: name, detail: "stored entry \(path) has sizes \(packed) and \(size)")
        }
        return Entry(index: index, path: path, size: size)
    }

    /// Streams an entry's bytes to `consume`, refusing more than its declared size; libzip checks the CRC-32 at the
    /// end and reports a mismatch as a read error.
    private func extract(_ entry: Entry, _ consume: (UnsafeRawBufferPointer) throws -> Void) throws {
        guard let file = zip_fopen_index(archive, entry.index, 0) else {
            throw ModelError.malformed(
                file: name,
                detail: "\(entry.path) cannot be unpacked (\(String(cString: zip_strerror(archive))))")
        }
        defer { zip_fclose(file) }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var seen: UInt64 = 0
        while true {
            let n = buffer.withUnsafeMutableBytes { zip_fread(file, $0.baseAddress, UInt64($0.count)) }
            if n < 0 {
                let reason = String(cString: zip_file_strerror(file))
                let damaged = reason.contains("CRC") ? "; the file is damaged" : "; the file may be truncated"
                throw ModelError.malformed(file: name, detail: "\(entry.path) cannot be unpacked (\(reason))\(damaged)")
            }
            if n == 0 { break }
            seen += UInt64(n)
            guard seen <= entry.size else {
                throw ModelError.malformed(
                    file: name,
                    detail: "\(entry.path) unpacks to more than its declared \(entry.size) bytes")
            }
            try buffer.withUnsafeBytes { try consume(UnsafeRawBufferPointer(rebasing: $0[0..<Int(n)])) }
        }
        guard seen == entry.size else {
            throw ModelError.malformed(
                file: name,
                detail: "\(entry.path) unpacks to \(seen) of \(entry.size) bytes; the file is truncated")
        }
    }

    /// libzip's words for an error code from `zip_open`.
    private static func message(_ code: Int32) -> String {
        var error = zip_error_t()
        zip_error_init_with_code(&error, code)
        defer { zip_error_fini(&error) }
        return String(cString: zip_error_strerror(&error))
    }
}
