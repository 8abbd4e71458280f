import Dispatch
import Foundation

/// A serial queue's work, counted, so the heap's free pages go back to the system once the queue has been idle for
/// a moment after a long job (the window's engine: Score-CAM, the compare view, the sanity check, filter images, a
/// model switch).
/// `MemoryPolicy` turns glibc's own trimming off so each forward pass reuses the last one's pages; without this, what
/// a long job freed stays with the process, on whichever thread's heap (arena) it was freed to, and a long session
/// holds the sum of them (a 3,000-event soak: 430 MB of 1,745 came back with one `malloc_trim`). Only after a long
/// job: the image steps' passes keep their pages, and a trim waits for the queue to be empty, never between two steps.
/// With a `Budget`, the free pages also go back after any item that leaves the resident set over it: what several
/// jobs in a row free (a dossier's filter images, then an image's passes, then a compare view) no longer adds up to
/// gigabytes before the queue is first idle.
public final class IdleHeapTrim: @unchecked Sendable {
    /// A resident set over which the heap's free pages go back after any item of work.
    public struct Budget: Sendable {
        public let limitKiB: Int
        /// The resident set now, in KiB.
        public let resident: @Sendable () -> Int
        /// Gives the free pages back (and may report it).
        public let trim: @Sendable () -> Void

        public init(limitKiB: Int, resident: @escaping @Sendable () -> Int, trim: @escaping @Sendable () -> Void) {
            self.limitKiB = limitKiB
            self.resident = resident
            self.trim = trim
        }
    }

    private let queue: DispatchQueue
    private let delay: DispatchTimeInterval
    private let trim: () -> Void
    private let budget: Budget?
    private var budgetTrimsDone = 0
    /// The resident set the last budget trim left (0 once the set is back under the budget): the next trim waits
    /// until the set has grown `budgetMarginKiB` past it, so a live set over the budget is not trimmed after every
    /// item (each trim hands back the pages the next pass would reuse).
    private var leftByLastTrim = 0
    /// 32 MiB.
    public static let budgetMarginKiB = 32 * 1024
    private let lock = NSLock()
    /// Items queued or running.
    private var pending = 0
    /// A long job ended since the last trim.
    private var due = false
    /// Bumped by every new item, so a trim scheduled before it does not run.
    private var ticket = 0
    private var trimsDone = 0

    /// `trim` runs on `queue` once it has been idle for `delay` after a `jobEnded`.
    public init(
        queue: DispatchQueue, delay: DispatchTimeInterval = .seconds(1), budget: Budget? = nil,
        trim: @escaping () -> Void = { FreeHeapPages.release() }
    ) {
        self.queue = queue
        self.delay = delay
        self.budget = budget
        self.trim = trim
    }

    /// How many trims the budget caused.
    public var budgetTrims: Int {
        lock.lock()
        defer { lock.unlock() }
        return budgetTrimsDone
    }

    /// Gives the heap's free pages back now if the resident set is over the budget: after every item on the queue,
    /// and after each item of another queue that shares the heap (the window's dossier).
    public func trimIfOverBudget() {
        guard let budget else { return }
        let resident = budget.resident()
        lock.lock()
        if resident <= budget.limitKiB { leftByLastTrim = 0 }
        let due = resident > max(budget.limitKiB, leftByLastTrim + (leftByLastTrim > 0 ? Self.budgetMarginKiB : 0))
        lock.unlock()
        guard due else { return }
        budget.trim()
        let left = budget.resident()
        lock.lock()
        budgetTrimsDone += 1
        leftByLastTrim = left
        lock.unlock()
    }

    /// How many trims have run (for tests and reports).
    public var trims: Int {
        lock.lock()
        defer { lock.unlock() }
        return trimsDone
    }

    /// Runs `work` on the queue, counted.
    public func async(_ work: @escaping () -> Void) {
        lock.lock()
        pending += 1
        ticket += 1
        lock.unlock()
        queue.async { [self] in
            work()
            trimIfOverBudget()
            finished()
        }
    }

    /// A long job has ended (called from its last item): its freed memory goes back once the queue is idle.
    public func jobEnded() {
        lock.lock()
        due = true
        lock.unlock()
    }

    private func finished() {
        lock.lock()
        pending -= 1
        guard pending == 0, due else { return lock.unlock() }
        let scheduled = ticket
        lock.unlock()
        queue.asyncAfter(deadline: .now() + delay) { [self] in
            lock.lock()
            let go = scheduled == ticket && pending == 0 && due
            if go { due = false }
            lock.unlock()
            guard go else { return }
            trim()
            lock.lock()
            trimsDone += 1
            lock.unlock()
        }
    }
}
