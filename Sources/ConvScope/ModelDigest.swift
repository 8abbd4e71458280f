import ConvEngine
import Foundation
import Platform
import WeightsStore

/// The SHA-256 of a weights file, which names its channel indexes. Hashing 550 MB takes seconds, so each answer is
/// kept in `$XDG_CACHE_HOME/convscope/digests.json` with the file's size, modification time and inode, and reused
/// while all three are unchanged.
enum ModelDigest {
    private struct Record: Codable, Equatable {
        var size: Int64, modified: Int64, inode: UInt64, sha256: String
    }

    /// `$XDG_CACHE_HOME/convscope/digests.json` (beside the `index` folder).
    static func cacheFile(root: String = IndexLocation.root()) -> String {
        (root as NSString).deletingLastPathComponent + "/digests.json"
    }

    /// The file's SHA-256 (lowercase hex), from the cache when the file is unchanged.
    static func sha256(ofFile path: String, root: String = IndexLocation.root()) throws -> String {
        let key = URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
        var st = stat()
        guard stat(key, &st) == 0 else { return try hash(path) }
        let now = Record(size: Int64(st.st_size), modified: FolderScan.nanoseconds(st.st_mtim),
                         inode: UInt64(st.st_ino), sha256: "")
        let file = cacheFile(root: root)
        var records = (FileManager.default.contents(atPath: file))
            .flatMap { try? JSONDecoder().decode([String: Record].self, from: $0) } ?? [:]
        if let r = records[key], r.size == now.size, r.modified == now.modified, r.inode == now.inode,
           r.sha256.count == 64 {
            return r.sha256
        }
        let sha = try hash(key)
        records[key] = Record(size: now.size, modified: now.modified, inode: now.inode, sha256: sha)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        if let data = try? encoder.encode(records) {
            try? FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent,
                                                     withIntermediateDirectories: true)
            try? AtomicFile.write(data, to: file)   // only a cache: a failure costs the next run a hash
        }
        return sha
    }

    /// SHA-256 alone, in 4 MB reads (`Checksums` also computes MD5, which would double the time).
    private static func hash(_ path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ModelDigestError(path: path, reason: String(cString: strerror(errno)))
        }
        defer { try? handle.close() }
        let digest = Digest(.sha256)
        while true {
            let chunk: Data
            do { chunk = try handle.read(upToCount: 4 << 20) ?? Data() } catch {
                throw ModelDigestError(path: path, reason: "\(error.localizedDescription)")
            }
            if chunk.isEmpty { break }
            chunk.withUnsafeBytes { digest.update($0) }
        }
        return digest.finalizeHex()
    }
}

struct ModelDigestError: Error, CustomStringConvertible {
    let path: String, reason: String
    var description: String { "\(path): cannot be read to name its index (\(reason))" }
}
