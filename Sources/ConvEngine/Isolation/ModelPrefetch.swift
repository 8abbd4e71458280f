import Foundation

/// Model reads started early (`IsolatedModelLoader.prefetch`), each taken once by the first read of the same file,
/// provided the file has not changed since (its size, times and inode).
final class ModelPrefetch: @unchecked Sendable {
    static let shared = ModelPrefetch()

    private final class Entry: @unchecked Sendable {
        let identity: String
        let done = DispatchGroup()
        var result: Result<Model, Error>?
        init(identity: String) { self.identity = identity }
    }

    private let lock = NSLock()
    private var entries: [String: Entry] = [:]

    func start(path: String, read: @escaping @Sendable () throws -> Model) {
        guard let identity = Self.identity(path) else { return }
        let key = ModelCache.resolved(path)
        let entry = Entry(identity: identity)
        lock.lock()
        defer { lock.unlock() }
        guard entries[key] == nil else { return }
        entries[key] = entry
        entry.done.enter()
        DispatchQueue.global(qos: .userInitiated).async {
            entry.result = Result {
                let model = try read()
                model.winograd.prepareForward(model.layers)   // the runner's own first step, done here too
                // The heap pages freed while the kernels were made (each is transformed, then packed into a
                // second array) go back to the system: `MemoryPolicy` turns glibc's own trimming off.
                FreeHeapPages.release()
                return model
            }
            entry.done.leave()
        }
    }

    /// The early read of `path`, waited for; nil when none was started or the file has changed since.
    func take(path: String) -> Result<Model, Error>? {
        let key = ModelCache.resolved(path)
        lock.lock()
        let entry = entries.removeValue(forKey: key)
        lock.unlock()
        guard let entry else { return nil }
        entry.done.wait()
        guard entry.identity == Self.identity(path) else { return nil }
        return entry.result
    }

    private static func identity(_ path: String) -> String? {
        var s = stat()
        guard stat(path, &s) == 0 else { return nil }
        return "\(s.st_dev) \(s.st_ino) \(s.st_size) \(s.st_mtim.tv_sec).\(s.st_mtim.tv_nsec) "
            + "\(s.st_ctim.tv_sec).\(s.st_ctim.tv_nsec)"
    }
}
