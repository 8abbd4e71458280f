import Foundation

/// An entry being written: a file with no name (`O_TMPFILE`: nothing is left if the process ends part-way), or, on
/// a file system without those, one with a temporary name that is removed when writing fails.
final class ModelCacheIncoming {
    let fd: Int32
    private let directory: String
    private var path: String?
    var renamed = false
    /// O_TMPFILE on Linux (`__O_TMPFILE | O_DIRECTORY`), which Swift does not import.
    private static let tmpfile: Int32 = 0o20_200_000

    init(directory: String) throws {
        self.directory = directory
        var fd = open(directory, Self.tmpfile | O_RDWR | O_CLOEXEC, 0o600)
        if fd < 0 {
            var template = Array("\(directory)/.incoming-XXXXXX".utf8CString)
            fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
            guard fd >= 0 else { throw ModelCacheError.notStored(String(cString: strerror(errno))) }
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        }
        self.fd = fd
    }

    /// A temporary name for the file, to be renamed into place.
    func name() throws -> String {
        if let path { return path }
        let temporary = directory + "/.incoming-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        guard linkat(AT_FDCWD, "/proc/self/fd/\(fd)", AT_FDCWD, temporary, AT_SYMLINK_FOLLOW) == 0 else {
            throw ModelCacheError.notStored(String(cString: strerror(errno)))
        }
        path = temporary
        return temporary
    }

    /// Closes the file, removing its temporary name unless it was renamed into place.
    func discard() {
        if let path, !renamed { unlink(path) }
        close(fd)
    }
}
