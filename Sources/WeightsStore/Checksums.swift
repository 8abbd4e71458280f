import Crypto
import Foundation

/// Streaming MD5 and SHA-256 of files, in 4 MB reads.
public enum Checksums {
    public struct Digests: Sendable, Equatable {
        public let md5: String
        public let sha256: String
    }

    /// Both digests in one pass. `progress` gets the bytes read so far; `isCancelled` is polled between reads.
    public static func digests(ofFile path: String, progress: (Int64) -> Void = { _ in },
                               isCancelled: () -> Bool = { false }) throws -> Digests {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw FetchError.folderNotWritable(folder: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var md5 = Insecure.MD5()
        var sha = SHA256()
        var buffer = [UInt8](repeating: 0, count: 4 << 20)
        var total: Int64 = 0
        while true {
            if isCancelled() { throw FetchError.cancelled(partial: nil) }
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw FetchError.toolFailed(tool: "reading \(path)", detail: String(cString: strerror(errno)))
            }
            if n == 0 { break }
            buffer.withUnsafeBytes { raw in
                let chunk = UnsafeRawBufferPointer(rebasing: raw[0..<n])
                md5.update(bufferPointer: chunk)
                sha.update(bufferPointer: chunk)
            }
            total += Int64(n)
            progress(total)
        }
        return Digests(md5: hex(md5.finalize()), sha256: hex(sha.finalize()))
    }

    public static func sha256(ofFile path: String) throws -> String { try digests(ofFile: path).sha256 }

    static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        digest.map { String(format: "%02x", $0) }.joined()
    }
}
