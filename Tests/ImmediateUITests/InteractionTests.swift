import ImmediateUI
import XCTest

final class InteractionTests: XCTestCase {
    func testSlider_RectMovesBetweenFramesWhileDragged_KeepsTrackingNewRect() {
        let h = Harness()
        var v = 0
        var x: Float = 10
        func run(_ input: InputSnapshot) {
            h.frame(input) { ui in ui.slider("Layer##layer", value: &v, range: 0...18, in: Rect(x, 10, 190, 20)) }
        }
        run(press(15 + 9 * 10, 20))  // stop 9 of a 180-unit travel
        XCTAssertEqual(v, 9)
        x = 60  // the pane got narrower on the left: the slider moved right by 50
        run(drag(15 + 9 * 10, 20))
        XCTAssertEqual(v, 4, "the same mouse x is 50 units (five stops) further left on the moved slider")
        XCTAssertNotNil(h.ui.active)
        x = 400  // moved away from under the mouse entirely
        run(drag(15 + 9 * 10, 20))
        XCTAssertEqual(v, 0)
        XCTAssertNotNil(h.ui.active, "still the dragged widget")
        run(drag(405 + 7 * 10, 300))
        XCTAssertEqual(v, 7)
        run(release(405 + 7 * 10, 300))
        XCTAssertNil(h.ui.active)
    }

    func testSlider_PressOnKnobOffCentre_GrabsWithoutJump() {
        let h = Harness()
        let r = Rect(10, 10, 190, 20)  // 180 units of travel
        var opacity: Float = 0.5       // knob centre at 10 + 5 + 90 = 105
        var changed = [Bool]()
        for input in [press(109, 20), drag(127, 20), release(127, 20)] {
            h.frame(input) { ui in changed.append(ui.slider("Opacity", value: &opacity, range: 0...1, in: r)) }
        }
        XCTAssertEqual(changed, [false, true, false], "the press itself doesn't move the knob")
        XCTAssertEqual(opacity, 0.6, accuracy: 1e-5, "then it moves with the mouse: +18 units = +0.1")
        // A press on the track (not the knob) still jumps.
        h.frame(press(15, 20)) { ui in ui.slider("Opacity", value: &opacity, range: 0...1, in: r) }
        XCTAssertEqual(opacity, 0, accuracy: 1e-6)
    }

    func testIntSlider_PressOnKnobEdgeOfDenseSlider_DoesNotJumpAStop() {
        // 9 stops over 40 units of travel: 5 apart, closer than half the 10-unit knob.
        let h = Harness()
        let r = Rect(0, 0, 50, 20)
        var v = 4  // knob centre at 5 + 4 * 5 = 25, the knob covers 20..<30
        var changed = false
        h.frame(press(29, 10)) { ui in changed = ui.slider("s", value: &v, range: 0...8, in: r) }
        XCTAssertFalse(changed)
        XCTAssertEqual(v, 4, "29 is nearest stop 5, but the press was on the knob")
        h.frame(drag(34, 10)) { ui in ui.slider("s", value: &v, range: 0...8, in: r) }
        XCTAssertEqual(v, 5, "moved one stop's distance: one stop")
        h.frame(release(34, 10)) { ui in ui.slider("s", value: &v, range: 0...8, in: r) }
        XCTAssertEqual(v, 5)
    }
}
