import Foundation

/// Streaming MD5 and SHA-256 of files, in 4 MB reads.
public enum Checksums {
    public struct Digests: Sendable, Equatable {
        public let md5: String
        public let sha256: String
    }

    /// Both digests in one pass. `progress` gets the bytes read so far; `isCancelled` is polled between reads.
    public static func digests(
        ofFile path: String, progress: (Int64) -> Void = { _ in },
        isCancelled: () -> Bool = { false }
    ) throws -> Digests {
        try digests(ofFile: path, stamp: nil, progress: progress, isCancelled: isCancelled)
    }

    /// As `digests(ofFile:)`; `stamp` gets the file's size, mtime and inode as it was before and after the read (equal
    /// when nothing wrote it meanwhile). A FIFO, socket or device is refused without waiting on it.
    static func digests(
        ofFile path: String, stamp: ((FileStamp?, FileStamp?) -> Void)?, progress: (Int64) -> Void = { _ in },
        isCancelled: () -> Bool = { false }
    ) throws -> Digests {
        guard let fd = try openRegularFollowingLinks(path) else {
            throw FetchError.toolFailed(tool: "reading \(path)", detail: "no such file")
        }
        defer { close(fd) }
        let before = FileStamp.of(fd: fd)
        let md5 = Digest(.md5)
        let sha = Digest(.sha256)
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
                md5.update(chunk)
                sha.update(chunk)
            }
            total += Int64(n)
            progress(total)
        }
        stamp?(before, FileStamp.of(fd: fd))
        return Digests(md5: md5.finalizeHex(), sha256: sha.finalizeHex())
    }

    public static func sha256(ofFile path: String) throws -> String { try digests(ofFile: path).sha256 }

    /// Opens a file for reading, following symbolic links (the installed file may be one), without blocking, and only
    /// when it is a regular file.
    static func openRegularFollowingLinks(_ path: String) throws -> Int32? {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
        guard fd >= 0 else {
            if errno == ENOENT { return nil }
            throw FetchError.toolFailed(tool: "reading \(path)", detail: String(cString: strerror(errno)))
        }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            close(fd)
            throw FetchError.toolFailed(tool: "reading \(path)", detail: String(cString: strerror(errno)))
        }
        if let kind = fileKindName(st.st_mode) {
            close(fd)
            throw FetchError.notRegularFile(path: path, kind: kind)
        }
        return fd
    }

    static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        digest.map { String(format: "%02x", $0) }.joined()
    }
}
