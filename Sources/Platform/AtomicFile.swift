import Foundation

/// Writes a file so a reader never sees half of it, and a failed write changes nothing: the bytes go to a temporary
/// file in the destination folder with every write checked (a short write or a full disk is an error, never a
/// truncated file), the file is fsync'd, renamed into place, and the folder fsync'd.
/// With `replace: false` an existing file is never touched: the move fails on a clash (`ImageError.exists`).
/// On any failure the temporary file is removed and the destination is exactly as it was.
public enum AtomicFile {
    public static func write(_ data: Data, to path: String, replace: Bool = true) throws {
        try data.withUnsafeBytes { try write(bytes: $0, to: path, replace: replace) }
    }

    /// `bytes` into `path`, durably; throws `FileWriteError` (or `ImageError.exists` when `replace` is false).
    public static func write(bytes: UnsafeRawBufferPointer, to path: String, replace: Bool = true) throws {
        let dir = folder(of: path)
        let existingMode = try preflight(path, dir: dir, replace: replace)
        let existing = existingMode != nil
        let total = bytes.count
        let tmp = temporaryPath(for: path, in: dir)
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard fd >= 0 else {
            throw FileWriteError.from(
                errno: errno, path: path, wrote: 0, of: total, existing: existing,
                doing: "cannot create a file in \(dir)")
        }
        var isOpen = true
        do {
            if let mode = existingMode { _ = fchmod(fd, mode & 0o7777) }  // a replaced file keeps its permissions
            var done = 0
            while done < total {
                let n = systemWrite(fd, bytes.baseAddress! + done, min(total - done, 1 << 30))
                if n > 0 {
                    done += n
                    continue
                }
                if n < 0 && errno == EINTR { continue }
                if n == 0 {
                    throw FileWriteError.failed(
                        path: path, reason: "the disk accepted only \(done) of \(total) bytes", existing: existing)
                }
                throw FileWriteError.from(errno: errno, path: path, wrote: done, of: total, existing: existing)
            }
            guard fsync(fd) == 0 else {
                throw FileWriteError.from(
                    errno: errno, path: path, wrote: done, of: total, existing: existing, doing: "flushing to disk")
            }
            isOpen = false
            guard close(fd) == 0 else {  // NFS and FUSE may report a failed write only here
                throw FileWriteError.from(
                    errno: errno, path: path, wrote: done, of: total, existing: existing, doing: "closing")
            }
            try move(tmp, to: path, replace: replace, existing: existing, total: total)
        } catch {
            if isOpen { close(fd) }
            unlink(tmp)
            throw error
        }
        syncFolder(dir)
    }

    /// `produce` writes the temporary path it is given; this function makes it durable and moves it into place.
    /// It cannot see the producer's own writes (SDL_image's file writer, for one, ignores short writes).
    @available(
        *, deprecated, message: "cannot check the producer's writes: encode to memory and use write(_:to:replace:)"
    )
    public static func write(to path: String, replace: Bool, produce: (String) throws -> Void) throws {
        let dir = folder(of: path)
        let existing = try preflight(path, dir: dir, replace: replace) != nil
        let tmp = temporaryPath(for: path, in: dir)
        do {
            try produce(tmp)
            let fd = open(tmp, O_RDWR | O_CLOEXEC)
            guard fd >= 0 else {
                throw FileWriteError.from(errno: errno, path: path, wrote: 0, of: 0, existing: existing)
            }
            var st = stat()
            let size = fstat(fd, &st) == 0 ? Int(st.st_size) : 0
            let synced = fsync(fd) == 0
            let err = errno
            close(fd)
            guard synced else {
                throw FileWriteError.from(
                    errno: err, path: path, wrote: size, of: size, existing: existing, doing: "flushing to disk")
            }
            try move(tmp, to: path, replace: replace, existing: existing, total: size)
        } catch {
            unlink(tmp)
            throw error
        }
        syncFolder(dir)
    }

    // MARK: Steps

    static func folder(of path: String) -> String {
        let dir = (path as NSString).deletingLastPathComponent
        return dir.isEmpty ? "." : dir
    }

    /// Checks the folder and, without `replace`, that `path` is free. Returns the mode of the file at `path`, if any.
    private static func preflight(_ path: String, dir: String, replace: Bool) throws -> mode_t? {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
            throw FileWriteError.failed(path: path, reason: "folder \(dir) does not exist", existing: false)
        }
        var st = stat()
        let exists = lstat(path, &st) == 0
        if !replace, exists { throw ImageError.exists(path: path) }
        return exists ? st.st_mode : nil
    }

    static func temporaryPath(for path: String, in dir: String) -> String {
        (dir as NSString).appendingPathComponent(
            ".\((path as NSString).lastPathComponent).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp")
    }

    /// Renames the finished temporary file to `path`; without `replace`, atomically only if `path` is free.
    private static func move(_ tmp: String, to path: String, replace: Bool, existing: Bool, total: Int) throws {
        func failure(_ code: Int32) -> Error {
            code == EEXIST
                ? ImageError.exists(path: path)
                : FileWriteError.from(
                    errno: code, path: path, wrote: total, of: total, existing: existing, doing: "moving it into place")
        }
        if replace {
            guard rename(tmp, path) == 0 else { throw failure(errno) }
            return
        }
        let unsupported: Set<Int32> = [EINVAL, ENOSYS, ENOTSUP, EOPNOTSUPP, EPERM, EMLINK]
        // 1. renameat2(RENAME_NOREPLACE): one atomic step (ext4, xfs, btrfs, tmpfs…).
        if let renameNoReplace = renameat2 {
            if renameNoReplace(AT_FDCWD, tmp, AT_FDCWD, path, 1 /* RENAME_NOREPLACE */) == 0 { return }
            let err = errno
            if !unsupported.contains(err) { throw failure(err) }
        }
        // 2. A hard link fails on a clash; then the temporary name goes.
        if link(tmp, path) == 0 {
            unlink(tmp)
            return
        }
        let err = errno
        if !unsupported.contains(err) { throw failure(err) }
        // 3. File systems with neither: claim the name with O_EXCL, then rename over our own placeholder.
        let placeholder = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard placeholder >= 0 else { throw failure(errno) }
        close(placeholder)
        guard rename(tmp, path) == 0 else {
            let err = errno
            unlink(path)
            throw failure(err)
        }
    }

    /// Makes the rename durable. Best effort: the file is in place already, and some file systems refuse fsync on a
    /// folder.
    private static func syncFolder(_ dir: String) {
        let fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }

    private typealias RenameAt2 =
        @convention(c) (Int32, UnsafePointer<CChar>?, Int32, UnsafePointer<CChar>?, UInt32) -> Int32

    /// glibc's renameat2 (2.28+), which Swift's Glibc module does not export.
    private static var renameat2: RenameAt2? {
        #if os(Linux)
            guard let symbol = dlsym(nil, "renameat2") else { return nil }
            return unsafeBitCast(symbol, to: RenameAt2.self)
        #else
            return nil
        #endif
    }

    private static func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
        #if canImport(Glibc)
            return Glibc.write(fd, buffer, count)
        #else
            return Darwin.write(fd, buffer, count)
        #endif
    }
}
