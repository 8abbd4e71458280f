import Foundation

/// What went wrong starting a child process or exchanging its answer, in words a person can act on.
public enum ChildError: Error, CustomStringConvertible {
    /// posix_spawn failed (no memory, no executable).
    case cannotStart(reason: String)
    /// No temporary file for the answer could be made in /dev/shm or the temporary folder.
    case noTemporaryFile(reason: String)
    /// The answer file could not be written or read in full.
    case answer(String)

    public var description: String {
        switch self {
        case .cannotStart(let r): return "cannot start a reader process: \(r)"
        case .noTemporaryFile(let r): return "\(NSTemporaryDirectory()): cannot make a temporary file: \(r)"
        case .answer(let r): return "the reader process's answer cannot be read (\(r))"
        }
    }
}
