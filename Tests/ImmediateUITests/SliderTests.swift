import ImmediateUI
import XCTest

final class SliderTests: XCTestCase {
    // Knob width 10 leaves 180 units of travel for 17 steps (0...17).
    let rect = Rect(10, 10, 190, 20)
    let range = 0...17

    private func stopX(_ i: Int) -> Float { 15 + Float(i) * 180 / 17 }

    private func run(_ h: Harness, _ input: InputSnapshot, _ value: inout Int) -> Bool {
        var changed = false
        h.frame(input) { ui in changed = ui.slider("Layer", value: &value, range: range, in: rect) }
        return changed
    }

    func testSlider_PressOnTrack_JumpsToNearestStop() {
        let h = Harness()
        var v = 0
        XCTAssertTrue(run(h, press(stopX(9) + 3, 20), &v))
        XCTAssertEqual(v, 9)
        XCTAssertFalse(run(h, drag(stopX(9) - 3, 20), &v), "still nearest to stop 9")
        XCTAssertEqual(v, 9)
    }

    func testSlider_DragFarOutside_TracksAndClamps() {
        let h = Harness()
        var v = 0
        _ = run(h, press(stopX(3), 20), &v)
        XCTAssertEqual(v, 3)
        XCTAssertTrue(run(h, drag(stopX(6), 400), &v), "vertical distance doesn't matter while active")
        XCTAssertEqual(v, 6)
        XCTAssertTrue(run(h, drag(5000, 25), &v))
        XCTAssertEqual(v, 17)
        XCTAssertTrue(run(h, drag(-300, 25), &v))
        XCTAssertEqual(v, 0)
    }

    func testSlider_ReleaseOutside_EndsTracking() {
        let h = Harness()
        var v = 4
        _ = run(h, press(stopX(4), 20), &v)
        _ = run(h, drag(5000, 300), &v)
        XCTAssertEqual(v, 17)
        _ = run(h, release(5000, 300), &v)
        XCTAssertNil(h.ui.active)
        XCTAssertFalse(run(h, move(stopX(2), 20), &v))
        XCTAssertEqual(v, 17)
    }

    func testSlider_WheelOverIt_StepsByOneAndClamps() {
        let h = Harness()
        var v = 5
        XCTAssertTrue(run(h, wheel(100, 20, 1), &v))
        XCTAssertEqual(v, 6)
        XCTAssertTrue(run(h, wheel(100, 20, -3), &v))
        XCTAssertEqual(v, 5)
        v = 17
        XCTAssertFalse(run(h, wheel(100, 20, 1), &v))
        XCTAssertEqual(v, 17)
    }

    func testSlider_WheelElsewhere_IsIgnored() {
        let h = Harness()
        var v = 5
        XCTAssertFalse(run(h, wheel(100, 200, 1), &v))
        XCTAssertEqual(v, 5)
    }

    func testSlider_NoChange_ReturnsFalse() {
        let h = Harness()
        var v = 7
        for input in [move(100, 20), move(300, 300), drag(100, 20), release(100, 20)] {
            XCTAssertFalse(run(h, input, &v))
        }
        XCTAssertEqual(v, 7)
    }

    func testSlider_DrawsOneTickPerStopAndKnobAtValue() {
        let h = Harness()
        var v = 17
        let cmds = h.frame(move(500, 500)) { ui in ui.slider("", value: &v, range: range, in: rect) }
        let ticks = cmds.filter { if case .rect(let r, _) = $0 { return r.w == 1 } else { return false } }
        XCTAssertEqual(ticks.count, 18)
        XCTAssertEqual(cmds.last, .rect(Rect(190, 10, 10, 20), h.ui.theme.accent))
    }

    func testFloatSlider_DragAndWheel() {
        let h = Harness()
        var opacity: Float = 0
        h.frame(press(105, 20)) { ui in ui.slider("Opacity", value: &opacity, range: 0...1, in: rect) }
        XCTAssertEqual(opacity, 0.5, accuracy: 1e-6)
        h.frame(release(105, 20)) { ui in ui.slider("Opacity", value: &opacity, range: 0...1, in: rect) }
        var changed = false
        h.frame(wheel(105, 20, -1)) { ui in
            changed = ui.slider("Opacity", value: &opacity, range: 0...1, step: 0.1, in: rect)
        }
        XCTAssertTrue(changed)
        XCTAssertEqual(opacity, 0.4, accuracy: 1e-6)
    }

    func testSlider_LabelMovesOffTheKnob() {
        let h = Harness()
        var opacity: Float = 0.5  // the knob at the middle, where the label would be centred
        let cmds = h.frame(move(500, 500)) { ui in ui.slider("50%##opacity", value: &opacity, range: 0...1, in: rect) }
        guard case .rect(let knob, _)? = cmds.last(where: { if case .rect = $0 { true } else { false } }),
            case .text(let t, let origin, _, _)? = cmds.last
        else { return XCTFail("a knob and a label") }
        XCTAssertEqual(t, "50%")
        let label = Rect(origin.x, origin.y, 3 * 8, 16)
        XCTAssertFalse(label.x < knob.maxX && knob.x < label.maxX, "the label \(label) is off the knob \(knob)")
        XCTAssertTrue(rect.contains(Vec2(label.x, label.y)) && rect.contains(Vec2(label.maxX, label.maxY - 1)))
        var low: Float = 0  // the knob at the left end: the label stays centred
        let centred = h.frame(move(500, 500)) { ui in ui.slider("0%##opacity", value: &low, range: 0...1, in: rect) }
        guard case .text(_, let o, _, _)? = centred.last else { return XCTFail("a label") }
        XCTAssertEqual(o.x, (rect.x + (rect.w - 16) / 2).rounded(.down))
    }
}
