import Foundation

/// Writes a file so a reader never sees half of it: a temporary file in the same folder, fsync, then a rename.
/// With `replace: false` an existing file is never touched (the rename becomes link + unlink, which fails on a clash).
public enum AtomicFile {
    public static func write(_ data: Data, to path: String, replace: Bool = true) throws {
        try write(to: path, replace: replace) { tmp in
            guard FileManager.default.createFile(atPath: tmp, contents: data) else {
                throw ImageError.writeFailed(path: path, reason: reason(dir: (path as NSString).deletingLastPathComponent))
            }
        }
    }

    /// `produce` writes the temporary path it is given; this function makes it durable and moves it into place.
    public static func write(to path: String, replace: Bool, produce: (String) throws -> Void) throws {
        let dir = (path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
            throw ImageError.writeFailed(path: path, reason: "folder \(dir) does not exist")
        }
        if !replace, FileManager.default.fileExists(atPath: path) { throw ImageError.exists(path: path) }
        let tmp = (dir as NSString).appendingPathComponent(".\((path as NSString).lastPathComponent).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp")
        do {
            try produce(tmp)
            let fd = open(tmp, O_RDWR)
            guard fd >= 0 else { throw ImageError.writeFailed(path: path, reason: reason(dir: dir)) }
            let synced = fsync(fd) == 0
            let err = errno
            close(fd)
            guard synced else { throw ImageError.writeFailed(path: path, reason: String(cString: strerror(err))) }
            if replace {
                guard rename(tmp, path) == 0 else { throw ImageError.writeFailed(path: path, reason: String(cString: strerror(errno))) }
            } else {
                guard link(tmp, path) == 0 else {
                    throw errno == EEXIST ? ImageError.exists(path: path) : ImageError.writeFailed(path: path, reason: String(cString: strerror(errno)))
                }
                unlink(tmp)
            }
        } catch {
            unlink(tmp)
            throw error
        }
    }

    static func reason(dir: String) -> String {
        if !FileManager.default.isWritableFile(atPath: dir) { return "folder \(dir) is not writable" }
        var st = statvfs()
        if statvfs(dir, &st) == 0, st.f_bavail == 0 { return "the disk is full" }
        return String(cString: strerror(errno))
    }
}
