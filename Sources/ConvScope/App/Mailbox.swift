import Foundation

/// A locked queue from background work to the UI thread; the UI drains it once per frame.
final class Mailbox<Message> {
    private let lock = NSLock()
    private var messages: [Message] = []
    private var wake: () -> Void = {}
    /// Called after every post, on the posting thread (the window wakes its event loop with it).
    var onPost: () -> Void {
        get { lock.lock(); defer { lock.unlock() }; return wake }
        set { lock.lock(); wake = newValue; lock.unlock() }
    }

    func post(_ m: Message) { lock.lock(); messages.append(m); let w = wake; lock.unlock(); w() }

    func drain() -> [Message] {
        lock.lock(); defer { lock.unlock() }
        guard !messages.isEmpty else { return [] }
        let out = messages
        messages.removeAll(keepingCapacity: true)
        return out
    }
}
