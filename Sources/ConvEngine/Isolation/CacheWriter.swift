import Foundation

/// Writes `ModelCache` entries on a background queue, so the first load of a file is not held up by writing and
/// syncing half a gigabyte; `finish` lets a process that is about to end wait for the entry to be complete.
public final class CacheWriter: @unchecked Sendable {
    public static let shared = CacheWriter()
    private let queue = DispatchQueue(label: "convscope.model-cache", qos: .utility)
    private let group = DispatchGroup()
    private let lock = NSLock()
    private var outcomes: [String: Result<Void, ModelCacheError>] = [:]

    /// Starts keeping `answer` (its own copy of the descriptor is taken; the caller may close it).
    func store(_ cache: ModelCache, answer: Int32, size: Int, loaded: ModelWire.Loaded, source: String,
               stamp: String) {
        let fd = fcntl(answer, F_DUPFD_CLOEXEC, 0)   // not inherited by the image decoders started meanwhile
        guard fd >= 0 else { return }
        queue.async(group: group) { [self] in
            defer { close(fd) }
            let outcome: Result<Void, ModelCacheError>
            do {
                try cache.store(answer: fd, wireBytes: size, loaded: loaded, source: source, stamp: stamp)
                outcome = .success(())
            } catch let e as ModelCacheError {
                outcome = .failure(e)
            } catch {
                outcome = .failure(.notStored("\(error)"))
            }
            lock.lock()
            outcomes[source] = outcome
            lock.unlock()
        }
    }

    /// Waits up to `seconds` for entries being written; true when none is left unfinished.
    @discardableResult
    public func finish(seconds: Double) -> Bool {
        group.wait(timeout: .now() + seconds) == .success
    }

    /// How the last entry for `source` ended: nil while none has finished.
    public func outcome(source: String) -> Result<Void, ModelCacheError>? {
        lock.lock()
        defer { lock.unlock() }
        return outcomes[source]
    }
}
