import ImmediateUI
import XCTest

final class PanelTests: XCTestCase {
    func testPanel_NestedPanels_EmitBalancedClips() {
        let h = Harness()
        let outer = Rect(0, 0, 200, 200), inner = Rect(150, 150, 100, 100)
        let cmds = h.frame(move(0, 0)) { ui in
            ui.beginPanel(outer)
            ui.beginPanel(inner)
            XCTAssertEqual(ui.clipRect, Rect(150, 150, 50, 50))
            ui.endPanel()
            ui.endPanel()
            XCTAssertNil(ui.clipRect)
        }
        XCTAssertEqual(clips(cmds), [outer, Rect(150, 150, 50, 50), outer, nil])
        XCTAssertEqual(cmds.last, .clip(nil))
    }

    func testPanel_Background_DrawnBeforeClipAndOptional() {
        let h = Harness()
        let r = Rect(10, 10, 100, 100)
        let filled = h.frame(move(0, 0)) { ui in ui.beginPanel(r); ui.endPanel() }
        XCTAssertEqual(filled.first, .rect(r, h.ui.theme.panel))
        let bare = h.frame(move(0, 0)) { ui in ui.beginPanel(r, background: false); ui.endPanel() }
        XCTAssertEqual(bare, [.clip(r), .clip(nil)])
    }

    func testPanel_ClipHidesWidgetPartOutsideIt() {
        let h = Harness()
        let panel = Rect(0, 0, 100, 100), button = Rect(50, 50, 100, 30)
        var clicked: [Bool] = []
        for input in [press(120, 60), release(120, 60), press(80, 60), release(80, 60)] {
            h.frame(input) { ui in
                ui.beginPanel(panel)
                clicked.append(ui.button("Go", in: button))
                ui.endPanel()
            }
        }
        XCTAssertEqual(clicked, [false, false, false, true])
    }

    func testPanel_LayoutStartsInsidePadding() {
        let h = Harness()
        var first = Rect.zero
        h.frame(move(0, 0)) { ui in
            ui.beginPanel(Rect(100, 50, 300, 200))
            first = ui.nextRect()
            ui.endPanel()
        }
        let p = h.ui.theme.padding
        XCTAssertEqual(first, Rect(100 + p.x, 50 + p.y, 300 - 2 * p.x, h.ui.theme.rowHeight))
    }
}
