import ConvEngine
import Foundation

/// The model the engine runs now, as the dossier's queue sees it: set on the engine's queue whenever its runner
/// changes, read on the dossier's own queue (`EngineWorker.dossierQueue`), so a dossier opened during a long run
/// (Score-CAM, the sanity check) does not wait for it. Thread-safe.
final class LoadedModel: @unchecked Sendable {
    struct Entry {
        let model: Model
        let path: String
        /// Counts the models set, so a runner made for one is known stale once another is.
        let generation: Int
    }

    private let lock = NSLock()
    private var entry: Entry?
    private var generations = 0

    func set(_ model: Model, path: String) {
        lock.lock()
        defer { lock.unlock() }
        generations += 1
        entry = Entry(model: model, path: path, generation: generations)
    }

    /// No model for now (one is being replaced).
    func clear() {
        lock.lock()
        defer { lock.unlock() }
        entry = nil
    }

    var current: Entry? {
        lock.lock()
        defer { lock.unlock() }
        return entry
    }
}
