import Foundation

/// Numbered requests of a few kinds: only the newest of each kind is worked on (paging through channels quickly
/// leaves the ones passed over undone).
final class Tickets: @unchecked Sendable {
    enum Kind: Int { case contributions, channelAttribution, index, crops }
    private let lock = NSLock()
    private var newest = [0, 0, 0, 0]

    func next(_ kind: Kind) -> Int {
        lock.lock()
        defer { lock.unlock() }
        newest[kind.rawValue] += 1
        return newest[kind.rawValue]
    }

    func isNewest(_ ticket: Int, _ kind: Kind) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return newest[kind.rawValue] == ticket
    }
}
