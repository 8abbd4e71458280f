import Foundation

/// Why a file could not be written, said so a person can act on it. Whatever the case, the destination was left as
/// it was (an existing file is untouched, a new one was not created) and no temporary file is left behind.
public enum FileWriteError: Error, Equatable, CustomStringConvertible {
    /// The file system ran out of room (ENOSPC), or the user's disk quota did (EDQUOT), after `wrote` of `of` bytes.
    case diskFull(path: String, wrote: Int, of: Int, quota: Bool, existing: Bool)
    /// Anything else: the folder is missing or read-only, an I/O error…
    case failed(path: String, reason: String, existing: Bool)

    public var path: String {
        switch self {
        case .diskFull(let p, _, _, _, _), .failed(let p, _, _): return p
        }
    }

    public var description: String {
        switch self {
        case .diskFull(let p, let wrote, let total, let quota, let existing):
            let what = quota ? "your disk quota is used up" : "the disk is full"
            let progress =
                wrote < total ? "wrote \(wrote) of \(total) bytes" : "the last of \(total) bytes could not be stored"
            return "\(p): \(what) (\(progress)); " + (existing ? "nothing was replaced" : "nothing was written")
        case .failed(let p, let reason, let existing):
            return "\(p): could not be written (\(reason)); "
                + (existing ? "nothing was replaced" : "nothing was changed")
        }
    }

    /// The error for `errno` value `code` after `wrote` of `total` bytes.
    static func from(
        errno code: Int32, path: String, wrote: Int, of total: Int, existing: Bool, doing: String? = nil
    ) -> FileWriteError {
        switch code {
        case ENOSPC: return .diskFull(path: path, wrote: wrote, of: total, quota: false, existing: existing)
        case EDQUOT: return .diskFull(path: path, wrote: wrote, of: total, quota: true, existing: existing)
        default:
            let text = String(cString: strerror(code))
            let reason: String
            switch code {
            case EROFS: reason = "the disk is read-only"
            case EACCES, EPERM: reason = "permission denied"
            case EIO: reason = "an input/output error: the disk may be failing or was removed"
            default: reason = doing.map { "\($0): \(text)" } ?? text
            }
            return .failed(path: path, reason: reason, existing: existing)
        }
    }
}
