import Foundation

/// A locked queue from background work to the UI thread; the UI drains it once per frame.
final class Mailbox<Message> {
    private let lock = NSLock()
    private var messages: [Message] = []

    func post(_ m: Message) { lock.lock(); messages.append(m); lock.unlock() }

    func drain() -> [Message] {
        lock.lock(); defer { lock.unlock() }
        guard !messages.isEmpty else { return [] }
        let out = messages
        messages.removeAll(keepingCapacity: true)
        return out
    }
}
