import Foundation

/// Where indexes live: `$XDG_CACHE_HOME/convscope/index/<model SHA-256>/<folder name>-<hash of its path>.csindex`
/// (`~/.cache` when XDG_CACHE_HOME is unset or not absolute), one file per model and folder.
public enum IndexLocation {
    /// `$XDG_CACHE_HOME/convscope/index`, or `~/.cache/convscope/index`.
    public static func root(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let xdg = environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") { return xdg + "/convscope/index" }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return home + "/.cache/convscope/index"
    }

    /// The folder's absolute path with `.`, `..` and symbolic links resolved: the name an index knows it by.
    public static func canonicalFolder(_ folder: String) -> String {
        URL(fileURLWithPath: folder).standardizedFileURL.resolvingSymlinksInPath().path
    }

    /// The index file of `folder` (canonical) for the model whose weights have SHA-256 `modelSHA256`.
    public static func file(modelSHA256: String, folder: String, root: String = IndexLocation.root()) -> String {
        let name = (folder as NSString).lastPathComponent.filter { $0.isLetter || $0.isNumber || "-_.".contains($0) }
        let hash = String(FNV1a.hash(Array(folder.utf8)[...]), radix: 16)
        return "\(root)/\(modelSHA256.lowercased())/\(name.prefix(40))-\(hash).csindex"
    }
}

extension ChannelIndex {
    /// The saved index of `folder` for the model `modelSHA256`: nil when there is none; an `IndexError` when the file
    /// is damaged, of another format version, or not of this model and folder (index the folder again).
    public static func load(for modelSHA256: String, folder: String, root: String = IndexLocation.root())
        throws -> ChannelIndex? {
        let canonical = IndexLocation.canonicalFolder(folder)
        let path = IndexLocation.file(modelSHA256: modelSHA256, folder: canonical, root: root)
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let index = try ChannelIndex(decoding: [UInt8](data), source: path)
        guard index.settings.modelSHA256 == modelSHA256.lowercased() else { throw IndexError.otherModel(file: path) }
        guard index.settings.folder == canonical else {
            throw IndexError.otherFolder(file: path, folder: index.settings.folder)
        }
        return index
    }
}

/// An index file found in the cache: the folder it names (read from its settings, unchecked: `ChannelIndex.load`
/// checks everything before an index is used), its path, and when it was last written.
public struct SavedIndex: Equatable, Sendable {
    public let folder: String
    public let file: String
    public let modified: Date
}

extension IndexLocation {
    /// The indexes saved for the model `modelSHA256`, newest first (files that are not indexes are left out): what
    /// the window can offer before the user picks a folder.
    public static func saved(modelSHA256: String, root: String = IndexLocation.root()) -> [SavedIndex] {
        let dir = root + "/" + modelSHA256.lowercased()
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return names.filter { $0.hasSuffix(".csindex") }.compactMap { name -> SavedIndex? in
            let path = dir + "/" + name
            guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
            defer { try? handle.close() }
            guard let head = try? handle.read(upToCount: ChannelIndex.headerSize + 4),
                  head.count == ChannelIndex.headerSize + 4, Array(head.prefix(8)) == ChannelIndex.magic
            else { return nil }
            var r = ByteReader([UInt8](head), offset: ChannelIndex.headerSize)
            guard let n = try? r.get(UInt32.self), n <= ChannelIndex.maxSettings,
                  let json = try? handle.read(upToCount: Int(n)),
                  let settings = try? JSONDecoder().decode(IndexSettings.self, from: json),
                  let attributes = try? FileManager.default.attributesOfItem(atPath: path),
                  let modified = attributes[.modificationDate] as? Date else { return nil }
            return SavedIndex(folder: settings.folder, file: path, modified: modified)
        }.sorted { $0.modified > $1.modified }
    }
}
