import ImmediateUI
import XCTest

final class IDStackTests: XCTestCase {
    func testIDStack_SameLabelUnderTwoIDs_IndependentButtons() {
        let h = Harness()
        let a = Rect(10, 10, 80, 30), b = Rect(10, 50, 80, 30)
        var clicks: [(Bool, Bool)] = []
        var ids: [WidgetID] = []
        for input in [press(20, 60), drag(20, 20), release(20, 20), press(20, 20), release(20, 20)] {
            h.frame(input) { ui in
                ui.pushID("first")
                let ca = ui.button("Open", in: a)
                ids.append(ui.lastItemID!)
                ui.popID()
                let cb = ui.withID("second") { ui.button("Open", in: b) }
                ids.append(ui.id("second"))
                clicks.append((ca, cb))
            }
        }
        // Pressing the second and releasing over the first clicks neither; then the first clicks alone.
        XCTAssertEqual(clicks.map(\.0), [false, false, false, false, true])
        XCTAssertEqual(clicks.map(\.1), [false, false, false, false, false])
        XCTAssertNotEqual(ids[0], h.ui.id("Open"))
    }

    func testIDStack_PushChangesIDAndPopRestoresIt() {
        let h = Harness()
        h.frame(move(0, 0)) { ui in
            let plain = ui.id("Open")
            ui.pushID(3)
            let scoped = ui.id("Open")
            ui.pushID("inner")
            let nested = ui.id("Open")
            ui.popID()
            XCTAssertEqual(ui.id("Open"), scoped)
            ui.popID()
            XCTAssertEqual(ui.id("Open"), plain)
            XCTAssertEqual(Set([plain, scoped, nested]).count, 3)
            XCTAssertNotEqual(ui.id(1), ui.id(2))
        }
    }

    func testIDStack_IDsAreStableAcrossFramesAndContexts() {
        let a = Harness(), b = Harness()
        var ids: [WidgetID] = []
        for h in [a, b, a] {
            h.frame(move(0, 0)) { ui in ui.withID("panel") { ids.append(ui.id("Layer")) } }
        }
        XCTAssertEqual(Set(ids).count, 1)
    }
}
