import Foundation

/// The files of a folder and its subfolders, in one sorted order (by path inside the folder), with the size and
/// modification time that tell a changed file from an unchanged one. Names starting with "." are left out (hidden
/// files, thumbnail caches); links to folders are not followed (no loops); anything that is neither a regular file
/// nor a folder (a FIFO, a socket, a device, a dangling link) is listed apart, to be named and skipped.
struct FolderScan {
    struct File: Equatable {
        /// Relative to the folder, "/"-separated.
        let path: String
        let size: Int64
        let modified: Int64
    }

    let folder: String
    private(set) var files: [File] = []
    /// Relative path and what it is ("FIFO", "socket", …).
    private(set) var others: [(path: String, kind: String)] = []

    /// Throws when `folder` is not a folder that can be read.
    init(_ folder: String) throws {
        self.folder = folder
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDir), isDir.boolValue else {
            throw FolderScanError.notAFolder(folder)
        }
        guard access(folder, R_OK | X_OK) == 0 else { throw FolderScanError.unreadable(folder) }
        walk("")
        files.sort { $0.path < $1.path }
        others.sort { $0.path < $1.path }
    }

    private mutating func walk(_ relative: String) {
        let here = relative.isEmpty ? folder : folder + "/" + relative
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: here) else {
            if !relative.isEmpty { others.append((relative, "folder that cannot be read")) }
            return
        }
        for name in names where !name.hasPrefix(".") {
            let rel = relative.isEmpty ? name : relative + "/" + name
            let full = here + "/" + name
            var st = stat()
            guard lstat(full, &st) == 0 else { continue }
            if st.st_mode & S_IFMT == S_IFDIR { walk(rel); continue }
            if st.st_mode & S_IFMT == S_IFLNK {
                // A link to a file is read as that file; a link to a folder is not followed.
                guard stat(full, &st) == 0 else { others.append((rel, "link to nothing")); continue }
                if st.st_mode & S_IFMT == S_IFDIR { continue }
            }
            if st.st_mode & S_IFMT == S_IFREG {
                files.append(File(path: rel, size: Int64(st.st_size), modified: Self.nanoseconds(st.st_mtim)))
            } else {
                others.append((rel, Self.kindName(st.st_mode)))
            }
        }
    }

    static func nanoseconds(_ t: timespec) -> Int64 { Int64(t.tv_sec) * 1_000_000_000 + Int64(t.tv_nsec) }

    static func kindName(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFIFO: return "FIFO"
        case S_IFSOCK: return "socket"
        case S_IFCHR: return "character device"
        case S_IFBLK: return "block device"
        default: return "special file"
        }
    }
}

enum FolderScanError: Error, CustomStringConvertible {
    case notAFolder(String)
    case unreadable(String)
    var description: String {
        switch self {
        case .notAFolder(let p): return "\(p): not a folder; give a folder of images to index"
        case .unreadable(let p): return "\(p): the folder cannot be read (permission denied)"
        }
    }
}
