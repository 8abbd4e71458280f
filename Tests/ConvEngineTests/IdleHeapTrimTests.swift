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

    /// The resident set now, in KiB (/proc/self/statm).
    private static func residentKiB() -> Int {
        guard let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
            let pages = Int(statm.split(separator: " ")[1])
        else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE))) / 1024
    }

    func testIdleHeapTrim_ItemLeavingTheResidentSetOverTheBudget_GivesTheFreePagesBackAtOnce() {
        let start = Self.residentKiB()
        final class Trims: @unchecked Sendable {  // written on the queue, read after it has run
            var done: [(before: Int, after: Int)] = []
        }
        let trims = Trims()
        let budget = IdleHeapTrim.Budget(limitKiB: start + 100 * 1024, resident: Self.residentKiB) {
            let before = Self.residentKiB()
            FreeHeapPages.release()
            trims.done.append((before, Self.residentKiB()))
        }
        let idle = IdleHeapTrim(queue: queue, delay: .seconds(60), budget: budget) {}
        idle.async {}
        queue.sync {}
        XCTAssertEqual(idle.budgetTrims, 0, "under the budget")
        // An item that used 256 MiB in 64 KiB pieces and freed all but the last: the heap keeps the pages.
        var last: UnsafeMutableRawPointer?
        idle.async {
            var pieces = (0..<4096).map { _ in
                let p = UnsafeMutableRawPointer.allocate(byteCount: 65536, alignment: 16)
                p.initializeMemory(as: UInt8.self, repeating: 1, count: 65536)
                return p
            }
            last = pieces.removeLast()
            for p in pieces { p.deallocate() }
        }
        queue.sync {}
        last?.deallocate()
        XCTAssertEqual(idle.budgetTrims, 1)
        let t = try? XCTUnwrap(trims.done.first)
        print("budget trim: resident \(t?.before ?? 0) → \(t?.after ?? 0) KiB (start \(start))")
        XCTAssertGreaterThan(t?.before ?? 0, start + 200 * 1024, "the freed pieces were still resident")
        XCTAssertLessThan(t?.after ?? .max, start + 60 * 1024, "given back by the trim")
        XCTAssertEqual(idle.trims, 0, "no idle trim: no long job ended")
    }

    /// A live set that stays over the budget is trimmed once, then only when it has grown by the margin again.
    func testIdleHeapTrim_LiveSetStayingOverTheBudget_TrimmedOnceUntilItGrowsByTheMargin() {
        final class Fake: @unchecked Sendable { var resident = 0 }
        let fake = Fake()
        let limit = 1000 * 1024
        let idle = IdleHeapTrim(
            queue: queue, delay: .seconds(60),
            budget: .init(limitKiB: limit, resident: { fake.resident }, trim: {})
        ) {}
        func item(at kib: Int) {
            idle.async { fake.resident = kib }
            queue.sync {}
        }
        item(at: limit + 10 * 1024)
        XCTAssertEqual(idle.budgetTrims, 1)
        for _ in 0..<5 { item(at: limit + 20 * 1024) }
        XCTAssertEqual(idle.budgetTrims, 1, "still over, but not grown by the margin")
        item(at: limit + 10 * 1024 + IdleHeapTrim.budgetMarginKiB + 1)
        XCTAssertEqual(idle.budgetTrims, 2, "grown by the margin")
        item(at: limit - 1)
        item(at: limit + 1)
        XCTAssertEqual(idle.budgetTrims, 3, "back under the budget and over it again")
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
