import Foundation
import Isolation

/// Models already read once through the loader's child process (`IsolatedModelLoader`), kept as `ModelWire` bytes
/// in `$XDG_CACHE_HOME/convscope/models/` (else `~/.cache/convscope/models/`), so a later start reads them straight
/// back in this process: no child, no libhdf5, about a third of the time for VGG16.
///
/// One entry per weights file (named by its path), made of "CSCACHE1", the length of a JSON header (UInt64 LE), the
/// header, zeros up to the next 4096-byte boundary, then the `ModelWire` bytes. The header holds the weights file's
/// stamp (`stamp`: its path, size, times, inode and device, and the loader executable's size and time, so a changed
/// file or a new build of the loader is read again), the wire bytes' length and their checksums (`WireChecksum`).
/// An entry is used only when all of these match; the model is then built with `Model.init`'s own checks like any
/// answer. A cut-short, damaged or foreign entry is removed and the file read again through the child. An entry is
/// written to an unnamed file (`O_TMPFILE`), synced, given a temporary name and renamed into place, so a reader never
/// sees half of one, and nothing is left when writing stops part-way (a full disk, the process ending).
public struct ModelCache: Sendable {
    public let directory: String
    /// The free bytes of the folder holding `path` (a test's stand-in for a full disk).
    let freeBytes: @Sendable (String) -> Int

    static let magic = Array("CSCACHE1".utf8)
    static let maxHeaderBytes = 1 << 16
    /// Wire bytes start at a multiple of this.
    static let alignment = 4096
    /// Space left free on the disk after an entry is written.
    static let reserveBytes = 512 << 20
    /// Smaller files load through the child quickly enough; they are not kept.
    public static let minimumFileSize = 16 << 20

    public init(directory: String) {
        self.init(directory: directory, freeBytes: ModelCache.freeBytes)
    }

    init(directory: String, freeBytes: @escaping @Sendable (String) -> Int) {
        self.directory = directory
        self.freeBytes = freeBytes
    }

    /// This user's cache, or nil when `$CONVSCOPE_MODEL_CACHE` is `0` or `off`.
    public static func standard(environment: [String: String] = ProcessInfo.processInfo.environment) -> ModelCache? {
        if let v = environment["CONVSCOPE_MODEL_CACHE"], ["0", "off", "no"].contains(v.lowercased()) { return nil }
        let root: String
        if let xdg = environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") {
            root = xdg
        } else {
            root = (environment["HOME"] ?? NSHomeDirectory()) + "/.cache"
        }
        return ModelCache(directory: root + "/convscope/models")
    }

    /// What an entry's header says.
    struct Header: Codable, Equatable {
        var stamp: String
        var wireBytes: Int
        var headerChecksum: UInt64
        var payloadChecksum: UInt64
    }

    /// The entry for `source` at `stamp`: named by both, so two builds of the loader (an installed one and a
    /// developer's) each keep theirs instead of replacing each other's on every start.
    func entryPath(source: String, stamp: String) -> String {
        directory + "/" + Self.sourcePrefix(source) + String(format: "%016llx", WireChecksum.bytes(Array(stamp.utf8)))
            + ".csmodel"
    }

    /// The start of the names of every entry for `source`.
    static func sourcePrefix(_ source: String) -> String {
        String(format: "%016llx-", WireChecksum.bytes(Array(resolved(source).utf8)))
    }

    /// Entries kept per weights file: the newest and the one used last before it; older ones are removed when a new
    /// one is written (each is as big as the model).
    static let entriesPerSource = 2

    static func resolved(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
    }

    /// What identifies this version of `source` read by this version of `loader`; nil when either cannot be
    /// `stat`ed.
    public static func stamp(source: String, loader: String) -> String? {
        let path = resolved(source)
        var s = stat(), l = stat()
        guard stat(path, &s) == 0, stat(loader, &l) == 0 else { return nil }
        func ns(_ t: timespec) -> Int { t.tv_sec * 1_000_000_000 + t.tv_nsec }
        return "\(path)\nsize \(s.st_size) mtime \(ns(s.st_mtim)) ctime \(ns(s.st_ctim)) inode \(s.st_ino) "
            + "device \(s.st_dev)\nloader \(l.st_size) \(ns(l.st_mtim)) \(l.st_ino)"
    }

    /// Why an entry was not used.
    public enum Miss: Error, Equatable, Sendable {
        /// No entry, or one for another version of the file (it is replaced by the next `store`).
        case absent
        /// An entry that is cut short, damaged or not an entry at all; it has been removed.
        case damaged(String)
    }

    /// The model kept for `source` at `stamp`, or why there is none.
    public func load(source: String, stamp: String) -> Result<Model, Miss> {
        let path = entryPath(source: source, stamp: stamp)
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { return .failure(.absent) }
        defer { close(fd) }
        func damaged(_ why: String) -> Result<Model, Miss> {
            unlink(path)
            return .failure(.damaged(why))
        }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG else { return damaged("not a regular file") }
        let size = Int(st.st_size)
        guard size >= 16, let prefix = try? ChildIO.readExactly(fd, count: 16, at: 0),
            Array(prefix.prefix(8)) == Self.magic
        else { return damaged("not a model cache entry") }
        let headerBytes = prefix.suffix(8).withUnsafeBytes {
            Int(clamping: UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)))
        }
        guard headerBytes <= Self.maxHeaderBytes, 16 + headerBytes <= size,
            let json = try? ChildIO.readExactly(fd, count: headerBytes, at: 16),
            let header = try? JSONDecoder().decode(Header.self, from: Data(json))
        else { return damaged("its header is cut short or unreadable") }
        guard header.stamp == stamp else { return damaged("it was written for another file") }
        let base = Self.wireBase(headerBytes: headerBytes)
        guard header.wireBytes >= 16, base <= size, header.wireBytes == size - base else {
            return damaged("it is \(size) bytes, its header says \(base + max(header.wireBytes, 0))")
        }
        do {
            let loaded = try ModelWire.read(
                fd: fd, at: base, size: header.wireBytes, file: path, keeping: OpenFile(duplicating: fd, path: path))
            guard loaded.coveredBytes == loaded.payloadBytes, loaded.headerChecksum == header.headerChecksum,
                loaded.payloadChecksum == header.payloadChecksum
            else { return damaged("its checksum does not match") }
            _ = futimens(fd, nil)   // used now: the newest entries are the ones kept
            return .success(loaded.model)
        } catch {
            return damaged("\(error)")
        }
    }

    static func wireBase(headerBytes: Int) -> Int {
        (16 + headerBytes + alignment - 1) / alignment * alignment
    }

    /// Keeps the `wireBytes` bytes of `answer` (from offset 0: a `ModelWire` answer whose checksums `loaded` holds)
    /// as the entry for `source` at `stamp`. Throws, leaving any earlier entry as it was, when the disk has too
    /// little room, or writing or syncing fails; returns only once the entry is complete and in place.
    public func store(answer: Int32, wireBytes: Int, loaded: ModelWire.Loaded, source: String, stamp: String) throws {
        guard loaded.coveredBytes == loaded.payloadBytes else { throw ModelCacheError.notStored("it has gaps") }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let free = freeBytes(directory)
        guard free >= wireBytes + Self.alignment + Self.maxHeaderBytes + Self.reserveBytes else {
            throw ModelCacheError.notStored("only \(free >> 20) MB free in \(directory)")
        }
        let header = Header(
            stamp: stamp, wireBytes: wireBytes, headerChecksum: loaded.headerChecksum,
            payloadChecksum: loaded.payloadChecksum)
        let json = try JSONEncoder().encode(header)
        guard json.count <= Self.maxHeaderBytes else { throw ModelCacheError.notStored("its path is too long") }
        var prefix = Self.magic
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { prefix += $0 }
        prefix += Array(json)
        let base = Self.wireBase(headerBytes: json.count)
        prefix += [UInt8](repeating: 0, count: base - prefix.count)

        let incoming = try ModelCacheIncoming(directory: directory)
        defer { incoming.discard() }
        try ChildIO.writeAll(incoming.fd, prefix, at: 0)
        try Self.copy(from: answer, to: incoming.fd, count: wireBytes, at: base)
        guard fsync(incoming.fd) == 0 else { throw ModelCacheError.notStored(String(cString: strerror(errno))) }
        let temporary = try incoming.name()
        let entry = entryPath(source: source, stamp: stamp)
        guard rename(temporary, entry) == 0 else {
            throw ModelCacheError.notStored(String(cString: strerror(errno)))
        }
        incoming.renamed = true
        removeOlderEntries(source: source, keeping: entry)
        let dir = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dir >= 0 {
            fsync(dir)
            close(dir)
        }
    }

    /// `count` bytes of `source` from offset 0 into `target` from `offset`, in the kernel where it can.
    static func copy(from source: Int32, to target: Int32, count: Int, at offset: Int) throws {
        guard lseek(target, off_t(offset), SEEK_SET) == off_t(offset) else {
            throw ModelCacheError.notStored(String(cString: strerror(errno)))
        }
        var from = off_t(0)
        var done = 0
        while done < count {
            let n = sendfile(target, source, &from, min(count - done, 1 << 30))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                throw ModelCacheError.notStored(n == 0 ? "the answer ends early" : String(cString: strerror(errno)))
            }
            done += n
        }
    }

    /// Entries kept in all, and the bytes they may take together (the newest is always kept).
    static let maxEntries = 6
    static let maxTotalBytes = 3 << 30

    /// Removes, besides `kept`: entries whose weights file is gone (a model opened from a temporary folder), all
    /// but the most recently used of `source`'s others (`entriesPerSource`), then the least recently used ones
    /// beyond `maxEntries` or `maxTotalBytes`.
    func removeOlderEntries(source: String, keeping kept: String) {
        let prefix = Self.sourcePrefix(source)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        var entries = names.filter { $0.hasSuffix(".csmodel") }.map { directory + "/" + $0 }.filter { $0 != kept }
            .compactMap { path -> (path: String, used: Int, bytes: Int)? in
                var st = stat()
                guard lstat(path, &st) == 0 else { return nil }
                return (path, st.st_mtim.tv_sec * 1_000_000_000 + st.st_mtim.tv_nsec, Int(st.st_size))
            }
            .sorted { $0.used > $1.used }
        var sameSource = 1
        entries = entries.filter { e in
            let gone = Self.sourceOfEntry(e.path).map { !FileManager.default.fileExists(atPath: $0) } ?? true
            let surplus = (e.path as NSString).lastPathComponent.hasPrefix(prefix) && {
                sameSource += 1
                return sameSource > Self.entriesPerSource
            }()
            if gone || surplus { unlink(e.path) }
            return !(gone || surplus)
        }
        var st = stat()
        var total = stat(kept, &st) == 0 ? Int(st.st_size) : 0
        for (i, e) in entries.enumerated() {
            total += e.bytes
            if i + 1 >= Self.maxEntries || total > Self.maxTotalBytes { unlink(e.path) }
        }
    }

    /// The weights file an entry was made from (its stamp's first line), or nil when its header is unreadable.
    static func sourceOfEntry(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        guard let prefix = try? ChildIO.readExactly(fd, count: 16, at: 0), Array(prefix.prefix(8)) == magic else {
            return nil
        }
        let n = prefix.suffix(8).withUnsafeBytes {
            Int(clamping: UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)))
        }
        guard n <= maxHeaderBytes, let json = try? ChildIO.readExactly(fd, count: n, at: 16),
            let header = try? JSONDecoder().decode(Header.self, from: Data(json))
        else { return nil }
        return header.stamp.split(separator: "\n", maxSplits: 1).first.map(String.init)
    }

    /// Free bytes for an unprivileged writer on the disk holding `path`.
    @Sendable static func freeBytes(_ path: String) -> Int {
        var s = statvfs()
        guard statvfs(path, &s) == 0 else { return 0 }
        return Int(s.f_bavail) * Int(s.f_frsize)
    }
}
