import XCTest

@testable import ImmediateUI

final class WidgetTests: XCTestCase {
    func testCheckbox_Click_TogglesOnceAndDrawsMark() {
        let h = Harness()
        let r = Rect(10, 10, 150, 26)
        var on = false
        var changes: [Bool] = []
        var last: [DrawCommand] = []
        for input in [press(15, 20), release(15, 20), move(15, 20)] {
            last = h.frame(input) { ui in changes.append(ui.checkbox("Grad-CAM", isOn: &on, in: r)) }
        }
        XCTAssertEqual(changes, [false, true, false])
        XCTAssertTrue(on)
        XCTAssertTrue(last.contains(.rect(Rect(13, 18, 10, 10), h.ui.theme.accent)))
    }

    func testSelectable_Click_ReturnsTrueAndSelectedRowIsAccented() {
        let h = Harness()
        let rows = [Rect(0, 0, 200, 24), Rect(0, 24, 200, 24)]
        var picked: Int?
        var cmds: [DrawCommand] = []
        for input in [press(20, 30), release(20, 30), move(300, 300)] {
            cmds = h.frame(input) { ui in
                for (i, name) in ["tabby", "tiger cat"].enumerated()
                where ui.selectable(name, selected: picked == i, in: rows[i]) {
                    picked = i
                }
            }
        }
        XCTAssertEqual(picked, 1)
        XCTAssertTrue(cmds.contains(.rect(rows[1], h.ui.theme.accentDim)))
        XCTAssertFalse(cmds.contains(.rect(rows[0], h.ui.theme.accentDim)))
        XCTAssertEqual(texts(cmds), ["tabby", "tiger cat"])
    }

    func testProgressBar_ClampsFraction() {
        let h = Harness()
        let r = Rect(0, 0, 200, 10)
        let cmds = h.frame(move(0, 0)) { ui in
            ui.progressBar(fraction: 0.25, in: r)
            ui.progressBar(fraction: 7, in: r)
            ui.progressBar(fraction: .nan, in: r)
        }
        let fills = cmds.compactMap { c -> Float? in
            if case .rect(let rr, h.ui.theme.accentDim) = c { return rr.w } else { return nil }
        }
        XCTAssertEqual(fills, [50, 200, 0])
    }

    func testTooltip_DrawnLastNearMouseAndFlippedAtEdge() {
        let h = Harness()
        let tile = Rect(0, 0, 800, 600)
        let near = h.frame(move(100, 100)) { ui in
            ui.beginOverlay(dim: false)
            ui.endOverlay()
            if ui.imageButton(ImageKey(id: 1), in: tile) {}
            ui.tooltip("ch 7")
        }
        let p = h.ui.theme.padding
        XCTAssertEqual(near.suffix(3).first, .rect(Rect(114, 118, 32 + 2 * p.x, 16 + 2 * p.y), h.ui.theme.tooltip))
        XCTAssertEqual(near.last, .text("ch 7", origin: Vec2(114 + p.x, 118 + p.y), h.ui.theme.text, .body))
        let edge = h.frame(move(790, 590)) { ui in ui.tooltip("ch 7") }
        guard case .rect(let r, _)? = edge.first else { return XCTFail("no tooltip box") }
        XCTAssertLessThanOrEqual(r.maxX, 800)
        XCTAssertLessThanOrEqual(r.maxY, 600)
    }

    func testTooltip_LongTextWrapsInsideTheWindow() {
        let h = Harness()
        let text = Array(repeating: "the model cache entry", count: 12).joined(separator: " ")  // 263 chars, 2104 px
        let cmds = h.frame(move(780, 20)) { ui in ui.tooltip(text) }
        let lines = cmds.compactMap { c -> (String, Vec2)? in
            if case .text(let t, let o, _, _) = c { return (t, o) } else { return nil }
        }
        XCTAssertGreaterThan(lines.count, 4, "wrapped into lines")
        XCTAssertEqual(lines.map(\.0).joined(separator: " "), text, "every word kept, in order")
        for (t, o) in lines {
            XCTAssertGreaterThanOrEqual(o.x, 0)
            XCTAssertLessThanOrEqual(o.x + Float(t.count) * 8, 800, t)
            XCTAssertLessThanOrEqual(Float(t.count) * 8, UIContext.tooltipMaxWidth, t)
        }
        XCTAssertEqual(Set(lines.map(\.1.x)).count, 1, "one left edge")
        guard case .rect(let r, _)? = cmds.first else { return XCTFail("no tooltip box") }
        XCTAssertLessThanOrEqual(r.maxX, 800)
        XCTAssertGreaterThanOrEqual(r.maxY, lines.last!.1.y + 16, "the box holds the last line")
    }
}
