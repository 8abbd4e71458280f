import ConvEngine
import Dispatch
import Foundation
import XCTest

/// The heap is trimmed once the engine's queue is idle after a long job, never after short work alone and never
/// while work is still queued.
final class IdleHeapTrimTests: XCTestCase {
    private let queue = DispatchQueue(label: "idle-heap-trim-tests")

    /// Waits until the queue has run everything queued so far (a delayed trim included when `past` has gone by).
    private func settle(past seconds: Double) {
        Thread.sleep(forTimeInterval: seconds)
        queue.sync {}
    }

    func testIdleHeapTrim_ShortWorkOnly_NeverTrims() {
        let idle = IdleHeapTrim(queue: queue, delay: .milliseconds(20)) {}
        for _ in 0..<5 { idle.async {} }
        settle(past: 0.2)
        XCTAssertEqual(idle.trims, 0)
    }

    func testIdleHeapTrim_LongJobEnded_TrimsOnceWhenIdle() {
        let idle = IdleHeapTrim(queue: queue, delay: .milliseconds(20)) {}
        idle.async { idle.jobEnded() }
        idle.async {}
        settle(past: 0.2)
        XCTAssertEqual(idle.trims, 1)
        idle.async {}  // short work after the trim: nothing more to give back
        settle(past: 0.2)
        XCTAssertEqual(idle.trims, 1)
    }

    func testIdleHeapTrim_WorkArrivingBeforeTheDelay_PutsTheTrimOffUntilIdle() {
        let trimmedWhileBusy = NSLock()
        var busy = false
        var sawBusy = false
        let idle = IdleHeapTrim(queue: queue, delay: .milliseconds(150)) {
            trimmedWhileBusy.lock()
            if busy { sawBusy = true }
            trimmedWhileBusy.unlock()
        }
        idle.async { idle.jobEnded() }
        // Steps of a next job, each queued within the delay of the last: no trim between them.
        for _ in 0..<4 {
            Thread.sleep(forTimeInterval: 0.05)
            idle.async {}
        }
        Thread.sleep(forTimeInterval: 0.05)
        XCTAssertEqual(idle.trims, 0, "trimmed while steps were still coming")
        trimmedWhileBusy.lock()
        busy = true
        trimmedWhileBusy.unlock()
        let step = DispatchSemaphore(value: 0)
        idle.async { step.wait() }  // a long step running past the delay
        Thread.sleep(forTimeInterval: 0.3)
        XCTAssertEqual(idle.trims, 0, "trimmed while a step was queued or running")
        trimmedWhileBusy.lock()
        busy = false
        trimmedWhileBusy.unlock()
        step.signal()
        settle(past: 0.4)
        XCTAssertEqual(idle.trims, 1)
        XCTAssertFalse(sawBusy)
    }
}
