import Dispatch
import Foundation

/// Ctrl+C (SIGINT) and SIGTERM as a flag a long command polls between steps, so it can save its work and stop. A
/// second signal ends the process at once (exit status 130). Installed before any child process starts, so the
/// children (image decoders) ignore the terminal's Ctrl+C and are not killed in the middle of a file.
final class InterruptFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var raised = false
    private var sources: [DispatchSourceSignal] = []
    private let message: String

    init(message: String) { self.message = message }

    func install() {
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [self] in
                lock.lock()
                let second = raised
                raised = true
                lock.unlock()
                if second { _exit(130) }
                let clear = isatty(2) == 1 ? "\r\u{1B}[K" : ""
                FileHandle.standardError.write(Data((clear + message + "\n").utf8))
            }
            source.resume()
            sources.append(source)
        }
    }

    var isRaised: Bool {
        lock.lock()
        defer { lock.unlock() }
        return raised
    }
}
