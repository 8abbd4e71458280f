import ImmediateUI
import XCTest

final class LayoutTests: XCTestCase {
    let panel = Rect(0, 0, 316, 400)  // body is 300 wide with padding 8

    func testLabel_RectWidthIsMeasuredWidthPlusPadding() {
        for charWidth: Float in [8, 11] {
            let h = Harness(measurer: FixedWidthTextMeasurer(charWidth: charWidth, lineHeight: 16))
            var rect = Rect.zero
            let cmds = h.frame(move(0, 0)) { ui in
                ui.beginPanel(panel)
                ui.label("conv3_1")
                rect = ui.lastItemRect
                ui.endPanel()
            }
            let p = h.ui.theme.padding
            XCTAssertEqual(rect.w, 7 * charWidth + 2 * p.x)
            XCTAssertEqual(rect.x, p.x)
            XCTAssertTrue(cmds.contains(.text("conv3_1", origin: Vec2(2 * p.x, p.y + 5), h.ui.theme.text, .body)))
        }
    }

    func testLayout_WithoutRow_StacksItemsOnePerLine() {
        let h = Harness()
        var rects: [Rect] = []
        h.frame(move(0, 0)) { ui in
            ui.beginPanel(panel)
            _ = ui.button("Open")
            rects.append(ui.lastItemRect)
            _ = ui.button("Quit")
            rects.append(ui.lastItemRect)
            ui.endPanel()
        }
        let t = h.ui.theme
        XCTAssertEqual(rects[0], Rect(8, 5, 32 + 16, t.rowHeight))
        XCTAssertEqual(rects[1].y, rects[0].maxY + t.spacing)
        XCTAssertEqual(rects[1].x, rects[0].x)
    }

    func testRow_FixedThenFill_SplitsLineAndWraps() {
        let h = Harness()
        var r: [Rect] = []
        h.frame(move(0, 0)) { ui in
            ui.beginPanel(panel)
            ui.row([100, 0], height: 30)
            for _ in 0..<3 { r.append(ui.nextRect()) }
            ui.endPanel()
        }
        XCTAssertEqual(r[0], Rect(8, 5, 100, 30))
        XCTAssertEqual(r[1], Rect(114, 5, 300 - 106, 30))
        XCTAssertEqual(r[2], Rect(8, 41, 100, 30))
    }

    func testRow_NegativeWidthLeavesMarginAndColumnsSplitEvenly() {
        let h = Harness()
        var r: [Rect] = []
        h.frame(move(0, 0)) { ui in
            ui.beginPanel(panel)
            ui.row([-100])
            r.append(ui.nextRect())
            ui.row(columns: 3, height: 20)
            for _ in 0..<3 { r.append(ui.nextRect()) }
            ui.endPanel()
        }
        XCTAssertEqual(r[0].w, 200)
        XCTAssertEqual(r[1].w, (300 - 12) / 3)
        XCTAssertEqual(r[1].y, r[0].maxY + 6)
        XCTAssertEqual(r[3].maxX, 308, accuracy: 1e-4)
    }

    func testRow_NegativeHeightFillsRemainingHeight() {
        let h = Harness()
        var r = Rect.zero
        h.frame(move(0, 0)) { ui in
            ui.beginPanel(panel)
            ui.label("Top-5")
            ui.row([0], height: -10)
            r = ui.nextRect()
            ui.endPanel()
        }
        XCTAssertEqual(r.maxY, 395 - 10)
    }
}
