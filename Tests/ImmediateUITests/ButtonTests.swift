import ImmediateUI
import XCTest

final class ButtonTests: XCTestCase {
    let rect = Rect(10, 10, 100, 30)

    private func run(_ h: Harness, _ input: InputSnapshot) -> Bool {
        var clicked = false
        h.frame(input) { ui in clicked = ui.button("OK", in: rect) }
        return clicked
    }

    func testButton_PressAndReleaseInside_ClicksOnce() {
        let h = Harness()
        XCTAssertFalse(run(h, move(50, 20)))
        XCTAssertFalse(run(h, press(50, 20)))
        XCTAssertEqual(h.ui.active, h.ui.id("OK"))
        XCTAssertTrue(run(h, release(52, 22)))
        XCTAssertNil(h.ui.active)
        XCTAssertFalse(run(h, move(52, 22)))
    }

    func testButton_PressAndReleaseInOneFrame_Clicks() {
        let h = Harness()
        let click = InputSnapshot(mouse: Vec2(50, 20), mousePressed: .left, mouseReleased: .left)
        XCTAssertTrue(run(h, click))
    }

    func testButton_PressInsideReleaseOutside_DoesNotClick() {
        let h = Harness()
        XCTAssertFalse(run(h, press(50, 20)))
        XCTAssertFalse(run(h, drag(300, 300)))
        XCTAssertFalse(run(h, release(300, 300)))
        XCTAssertNil(h.ui.active)
    }

    func testButton_PressOutsideReleaseInside_DoesNotClick() {
        let h = Harness()
        XCTAssertFalse(run(h, press(300, 300)))
        XCTAssertFalse(run(h, drag(50, 20)))
        XCTAssertNil(h.ui.hot, "a drag that started elsewhere must not make the button hot")
        XCTAssertFalse(run(h, release(50, 20)))
    }

    func testButton_Hover_UsesHotFillAndCentresLabel() {
        let h = Harness()
        let idle = h.frame(move(500, 500)) { ui in _ = ui.button("OK", in: rect) }
        let hovered = h.frame(move(50, 20)) { ui in _ = ui.button("OK", in: rect) }
        XCTAssertEqual(idle.first, .rect(rect, h.ui.theme.widget))
        XCTAssertEqual(hovered.first, .rect(rect, h.ui.theme.widgetHot))
        XCTAssertEqual(h.ui.hot, h.ui.id("OK"))
        // "OK" is 16x16 with the fixed-width measurer: centred in 100x30 at (10+42, 10+7).
        XCTAssertTrue(hovered.contains(.text("OK", origin: Vec2(52, 17), h.ui.theme.text, .body)))
    }

    func testImageButton_Click_ReturnsTrueAndDrawsImage() {
        let h = Harness()
        let key = ImageKey("channel-3", version: 2)
        let tile = Rect(100, 100, 64, 64)
        var results: [Bool] = []
        var hovered = false
        var last: [DrawCommand] = []
        for input in [press(120, 120), release(120, 120)] {
            last = h.frame(input) { ui in
                results.append(ui.imageButton(key, in: tile))
                hovered = ui.lastItemHovered
            }
        }
        XCTAssertEqual(results, [false, true])
        XCTAssertTrue(hovered)
        XCTAssertEqual(last.first, .image(key, dest: tile, tint: .white))
    }
}
