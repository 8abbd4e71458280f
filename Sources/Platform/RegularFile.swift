import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A path opened for reading only when it is a regular file. FIFOs, devices, sockets and folders are refused from
/// `stat` before anything is opened (opening a FIFO blocks until a writer comes; a device never ends), the file is
/// opened with O_NONBLOCK and its descriptor checked again with `fstat`, in case the path changed in between. Reads are
/// bounded (`pread` at an offset), never the whole file.
public final class RegularFile {
    public let path: String
    /// The size in bytes when opened.
    public let size: Int
    let fd: Int32

    /// Throws `ImageError.notFound`, `.isDirectory`, `.notRegularFile`, `.symlinkLoop` or `.unreadable`.
    public init(path: String) throws {
        self.path = path
        var st = stat()
        if stat(path, &st) != 0 { throw Self.failure(path, errno, afterStat: true) }
        try Self.requireRegular(st.st_mode, path)
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
        guard fd >= 0 else { throw Self.failure(path, errno, afterStat: false) }
        var opened = stat()
        guard fstat(fd, &opened) == 0 else {
            let e = errno
            close(fd)
            throw ImageError.unreadable(path: path, reason: String(cString: strerror(e)))
        }
        do { try Self.requireRegular(opened.st_mode, path) } catch { close(fd); throw error }
        // Regular files never block; clear the flag so nothing downstream sees EAGAIN semantics.
        let flags = fcntl(fd, F_GETFL)
        if flags >= 0 { _ = fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) }
        self.fd = fd
        self.size = Int(opened.st_size)
    }

    deinit { close(fd) }

    /// Up to `count` bytes starting at `offset` (fewer at the end of the file); nil on a read error.
    public func read(at offset: Int, count: Int) -> [UInt8]? {
        guard offset >= 0, count >= 0 else { return nil }
        var out = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            let n = out.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + got, count - got, off_t(offset + got)) }
            if n < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if n == 0 { break }
            got += n
        }
        out.removeLast(count - got)
        return out
    }

    /// The first `count` bytes (fewer when the file is shorter; empty on a read error).
    public func prefix(_ count: Int) -> [UInt8] { read(at: 0, count: min(count, max(size, 0))) ?? [] }

    /// A new stdio stream over the same open file, positioned at its start (the caller closes it).
    func stream() -> UnsafeMutablePointer<FILE>? {
        let copy = dup(fd)
        guard copy >= 0 else { return nil }
        guard let fp = fdopen(copy, "rb") else { close(copy); return nil }
        fseeko(fp, 0, SEEK_SET)
        return fp
    }

    /// What kind of file system object a mode is, in words, for anything but a regular file or a folder.
    static func kindName(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFIFO: return "FIFO (named pipe)"
        case S_IFCHR: return "character device"
        case S_IFBLK: return "block device"
        case S_IFSOCK: return "socket"
        case S_IFLNK: return "symbolic link"
        default: return "special file"
        }
    }

    private static func requireRegular(_ mode: mode_t, _ path: String) throws {
        switch mode & S_IFMT {
        case S_IFREG: return
        case S_IFDIR: throw ImageError.isDirectory(path: path)
        default: throw ImageError.notRegularFile(path: path, kind: kindName(mode))
        }
    }

    private static func failure(_ path: String, _ code: Int32, afterStat: Bool) -> ImageError {
        switch code {
        case ENOENT:
            var link = stat()
            if afterStat, lstat(path, &link) == 0, link.st_mode & S_IFMT == S_IFLNK {
                return .unreadable(path: path, reason: "a symbolic link to a file that does not exist")
            }
            return .notFound(path: path)
        case ENOTDIR: return .notFound(path: path)
        case ELOOP: return .symlinkLoop(path: path)
        case EACCES, EPERM: return .unreadable(path: path, reason: "permission denied")
        case ENAMETOOLONG: return .unreadable(path: path, reason: "the path is too long")
        default: return .unreadable(path: path, reason: String(cString: strerror(code)))
        }
    }
}
