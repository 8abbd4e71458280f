import Foundation

// The small files a fetch keeps beside the weights in the data folder, and how each is opened: never following a
// symbolic link, never blocking on a FIFO, always checked to be a regular file on the open descriptor.
//
// - `<name>.part`       the download so far
// - `<name>.part.meta`  where the part came from: URL, ETag, Last-Modified, size (JSON), for `If-Range` on resume
// - `<name>.lock`       held with an exclusive `flock` for the whole fetch; holds the holder's process id
// - `<name>.sha256`     sha256sum's line, then `# convscope verified: size=… mtime=… inode=…` of the file it was
//                       last checked against, so `installed()` re-hashes only a file that changed

/// What a non-regular file is, for messages; nil for a regular file.
func fileKindName(_ mode: mode_t) -> String? {
    switch mode & S_IFMT {
    case S_IFREG: return nil
    case S_IFIFO: return "a named pipe (FIFO)"
    case S_IFSOCK: return "a socket"
    case S_IFCHR: return "a character device"
    case S_IFBLK: return "a block device"
    case S_IFDIR: return "a folder"
    case S_IFLNK: return "a symbolic link"
    default: return "not a regular file"
    }
}

/// Opens `path` (not following a final symbolic link, never blocking) and returns the descriptor only when it is a
/// regular file. `ENOENT` is returned as nil when `missingOK`; other failures throw `POSIXError`, a FIFO, socket,
/// device or link `FetchError.notRegularFile`.
func openRegular(_ path: String, flags: Int32, mode: mode_t = 0o644, missingOK: Bool = false) throws -> Int32? {
    let fd = open(path, flags | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, mode)
    if fd < 0 {
        let code = errno
        if code == ENOENT && missingOK { return nil }
        if code == ELOOP || code == ENXIO || code == EMLINK {  // a symbolic link; ENXIO: a FIFO without a reader
            var st = stat()
            if lstat(path, &st) == 0, let kind = fileKindName(st.st_mode) {
                throw FetchError.notRegularFile(path: path, kind: kind)
            }
        }
        throw POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO)
    }
    var st = stat()
    guard fstat(fd, &st) == 0 else {
        let code = errno
        close(fd)
        throw POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO)
    }
    if let kind = fileKindName(st.st_mode) {
        close(fd)
        throw FetchError.notRegularFile(path: path, kind: kind)
    }
    return fd
}

/// The whole of a small regular file, or nil when it is missing, not regular or larger than `limit`.
func readSmallFile(_ path: String, limit: Int = 64 << 10) -> Data? {
    guard let fd = try? openRegular(path, flags: O_RDONLY, missingOK: true) else { return nil }
    defer { close(fd) }
    var buffer = [UInt8](repeating: 0, count: limit + 1)
    var got = 0
    while got <= limit {
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress! + got, $0.count - got) }
        if n < 0 {
            if errno == EINTR { continue }
            return nil
        }
        if n == 0 { break }
        got += n
    }
    return got > limit ? nil : Data(buffer.prefix(got))
}

/// Writes `data` to `path` through a temporary file and a rename, synced, so a reader sees the old or the new.
func writeAtomically(_ data: Data, to path: String) throws {
    let temp = path + ".tmp"
    unlink(temp)
    guard let fd = try openRegular(temp, flags: O_WRONLY | O_CREAT | O_EXCL | O_TRUNC) else {
        throw FetchError.toolFailed(tool: "writing \(temp)", detail: "cannot create")
    }
    var code: Int32 = 0
    data.withUnsafeBytes { raw in
        var off = 0
        while off < raw.count {
            let n = write(fd, raw.baseAddress! + off, raw.count - off)
            if n < 0 {
                if errno == EINTR { continue }
                code = errno
                return
            }
            off += n
        }
    }
    if code == 0 && fsync(fd) != 0 { code = errno }
    close(fd)
    if code == 0 && rename(temp, path) != 0 { code = errno }
    if code != 0 {
        unlink(temp)
        throw POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO)
    }
}

// MARK: Part metadata

/// Where a `.part` came from, recorded before its first byte is written, so a resume can ask for the rest only if the
/// server still has the same file (`If-Range`), and start over when it does not.
struct PartMeta: Codable, Equatable {
    var url: String
    var etag: String?
    var lastModified: String?
    var total: Int64?

    /// The validator for `If-Range`: a strong ETag, else Last-Modified (weak ETags are not allowed there).
    var validator: String? {
        if let etag, !etag.hasPrefix("W/") { return etag }
        return lastModified
    }

    static func read(_ path: String) -> PartMeta? {
        guard let data = readSmallFile(path) else { return nil }
        return try? JSONDecoder().decode(PartMeta.self, from: data)
    }

    func write(_ path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try writeAtomically(try encoder.encode(self) + Data("\n".utf8), to: path)
    }
}

/// `Content-Range: bytes first-last/total` (total may be `*`).
struct ContentRange: Equatable {
    let first: Int64
    let last: Int64
    let total: Int64?

    init?(_ header: String?) {
        guard let header, header.hasPrefix("bytes ") else { return nil }
        let spec = header.dropFirst(6)
        guard let slash = spec.firstIndex(of: "/"), let dash = spec[..<slash].firstIndex(of: "-"),
            let first = Int64(spec[..<dash].trimmingCharacters(in: .whitespaces)),
            let last = Int64(spec[spec.index(after: dash)..<slash].trimmingCharacters(in: .whitespaces)),
            first >= 0, last >= first
        else { return nil }
        let totalText = spec[spec.index(after: slash)...].trimmingCharacters(in: .whitespaces)
        if totalText == "*" {
            total = nil
        } else {
            guard let t = Int64(totalText), t > last else { return nil }
            total = t
        }
        self.first = first
        self.last = last
    }
}

// MARK: The installed file's record

/// Size, modification time and inode of a file: when all three are as recorded, the file was not rewritten, renamed
/// over or copied in since its SHA-256 was checked.
struct FileStamp: Equatable {
    let size: Int64
    let seconds: Int64
    let nanoseconds: Int64
    let inode: UInt64

    init(_ st: stat) {
        size = Int64(st.st_size)
        #if os(Linux)
            seconds = Int64(st.st_mtim.tv_sec)
            nanoseconds = Int64(st.st_mtim.tv_nsec)
        #else
            seconds = Int64(st.st_mtimespec.tv_sec)
            nanoseconds = Int64(st.st_mtimespec.tv_nsec)
        #endif
        inode = UInt64(st.st_ino)
    }

    init(size: Int64, seconds: Int64, nanoseconds: Int64, inode: UInt64) {
        self.size = size
        self.seconds = seconds
        self.nanoseconds = nanoseconds
        self.inode = inode
    }

    /// The stamp of the regular file at `path` (following links, as the readers do), or nil.
    static func of(_ path: String) -> FileStamp? {
        var st = stat()
        guard stat(path, &st) == 0, fileKindName(st.st_mode) == nil else { return nil }
        return FileStamp(st)
    }

    static func of(fd: Int32) -> FileStamp? {
        var st = stat()
        guard fstat(fd, &st) == 0 else { return nil }
        return FileStamp(st)
    }

    var line: String {
        "# convscope verified: size=\(size) mtime=\(seconds).\(String(format: "%09lld", nanoseconds)) inode=\(inode)"
    }

    init?(line: String) {
        let prefix = "# convscope verified:"
        guard line.hasPrefix(prefix) else { return nil }
        var fields: [String: String] = [:]
        for part in line.dropFirst(prefix.count).split(separator: " ") {
            let kv = part.split(separator: "=", maxSplits: 1)
            if kv.count == 2 { fields[String(kv[0])] = String(kv[1]) }
        }
        let mtime = (fields["mtime"] ?? "").split(separator: ".")
        guard let size = fields["size"].flatMap({ Int64($0) }), let inode = fields["inode"].flatMap({ UInt64($0) }),
            mtime.count == 2, let s = Int64(mtime[0]), let ns = Int64(mtime[1])
        else { return nil }
        self.init(size: size, seconds: s, nanoseconds: ns, inode: inode)
    }
}

/// `<name>.sha256`: sha256sum's line (so `sha256sum -c` checks it) and the stamp of the file it was checked against.
struct InstallRecord: Equatable {
    let sha256: String
    let name: String
    let stamp: FileStamp?

    static func read(_ path: String) -> InstallRecord? {
        guard let data = readSmallFile(path), let text = String(data: data, encoding: .utf8) else { return nil }
        var sha: String?
        var name = ""
        var stamp: FileStamp?
        for line in text.split(whereSeparator: \.isNewline).map(String.init) {
            if line.hasPrefix("#") {
                stamp = stamp ?? FileStamp(line: line)
                continue
            }
            guard sha == nil else { continue }
            let hash = String(line.prefix(64)).lowercased()
            guard hash.count == 64, hash.allSatisfy(\.isHexDigit) else { return nil }
            sha = hash
            name = String(line.dropFirst(64)).trimmingCharacters(in: CharacterSet(charactersIn: " *"))
        }
        guard let sha else { return nil }
        return InstallRecord(sha256: sha, name: name, stamp: stamp)
    }

    var text: String { "\(sha256)  \(name)\n" + (stamp.map { $0.line + "\n" } ?? "") }

    func write(_ path: String) throws { try writeAtomically(Data(text.utf8), to: path) }
}

// MARK: The lock

/// An exclusive `flock` on `<name>.lock` in the data folder, held for a whole fetch, so two fetches (two windows, a
/// window and a script, two threads) never write the same `.part` or install over each other. The kernel drops the
/// lock when its holder dies, even by SIGKILL. The holder removes the file before letting go; a waiter that then gets
/// the lock on the removed file sees that its inode is no longer the path's and tries again.
final class FetchLock {
    let path: String
    private var fd: Int32

    private init(path: String, fd: Int32) {
        self.path = path
        self.fd = fd
    }

    deinit { release() }

    /// Takes the lock now, or returns nil when another fetch holds it (`holder`: its process id, if it wrote one).
    static func attempt(_ path: String, holder: inout Int32?) throws -> FetchLock? {
        for _ in 0..<100 {  // each retry means a holder just finished; 100 in a row is not going to happen
            let opened: Int32?
            do { opened = try openRegular(path, flags: O_RDWR | O_CREAT) } catch let e as POSIXError {
                throw FetchError.folderNotWritable(
                    folder: (path as NSString).deletingLastPathComponent,
                    reason:
                        "cannot create \((path as NSString).lastPathComponent): \(String(cString: strerror(e.code.rawValue)))"
                )
            }
            guard let fd = opened else { return nil }
            if flock(fd, LOCK_EX | LOCK_NB) != 0 {
                let code = errno
                if code == EWOULDBLOCK || code == EINTR {
                    holder = readSmallFile(path, limit: 32).flatMap { String(data: $0, encoding: .utf8) }
                        .flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
                    close(fd)
                    return nil
                }
                close(fd)
                throw FetchError.toolFailed(tool: "locking \(path)", detail: String(cString: strerror(code)))
            }
            var mine = stat()
            var named = stat()
            guard fstat(fd, &mine) == 0, stat(path, &named) == 0, mine.st_ino == named.st_ino,
                mine.st_dev == named.st_dev
            else {
                close(fd)  // the previous holder removed this file as it let go: lock the one at the path now
                continue
            }
            let pid = Array("\(getpid())\n".utf8)
            ftruncate(fd, 0)
            _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress!, $0.count, 0) }
            return FetchLock(path: path, fd: fd)
        }
        throw FetchError.toolFailed(tool: "locking \(path)", detail: "the lock file keeps changing")
    }

    /// Takes the lock, waiting while another fetch holds it: `waiting` is told once (with the holder's process id),
    /// `isCancelled` is polled every 0.1 s, and after `timeout` seconds (nil: no limit) `FetchError.busy` is thrown.
    static func acquire(
        _ path: String, item: String, timeout: TimeInterval?, isCancelled: () -> Bool,
        waiting: (Int32?) -> Void
    ) throws -> FetchLock {
        let deadline = timeout.map { Date().addingTimeInterval($0) }
        var told = false
        while true {
            var holder: Int32?
            if let lock = try attempt(path, holder: &holder) { return lock }
            if isCancelled() { throw FetchError.cancelled(partial: nil) }
            if let deadline, Date() >= deadline { throw FetchError.busy(file: item, lock: path, holder: holder) }
            if !told {
                waiting(holder)
                told = true
            }
            usleep(100_000)
        }
    }

    /// Removes the lock file, then lets go of the lock.
    func release() {
        guard fd >= 0 else { return }
        unlink(path)
        close(fd)  // closing the last descriptor drops the flock
        fd = -1
    }
}
