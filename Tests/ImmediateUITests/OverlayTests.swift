import ImmediateUI
import XCTest

final class OverlayTests: XCTestCase {
    let under = Rect(10, 10, 100, 30)

    func testOverlay_BuiltFirst_CapturesMouseInSameFrame() {
        let h = Harness()
        var clicks: [Bool] = []
        for input in [press(50, 20), release(50, 20)] {
            h.frame(input) { ui in
                ui.beginOverlay()
                ui.endOverlay()
                clicks.append(ui.button("Beneath", in: under))
                XCTAssertTrue(ui.isMouseCaptured)
                XCTAssertFalse(ui.isHovered(under))
            }
        }
        XCTAssertEqual(clicks, [false, false])
        XCTAssertNil(h.ui.hot)
    }

    func testOverlay_BuiltAfter_CapturesFromNextFrame() {
        let h = Harness()
        var showHelp = false
        var clicks: [Bool] = []
        for input in [move(50, 20), press(50, 20), release(50, 20)] {
            h.frame(input) { ui in
                clicks.append(ui.button("Beneath", in: under))
                if showHelp { ui.beginOverlay(); ui.endOverlay() }
                showHelp = true
            }
        }
        XCTAssertEqual(clicks, [false, false, false])
    }

    func testOverlay_CapturesOnlyInsideItsRect() {
        let h = Harness()
        var clicks: [Bool] = []
        for input in [press(50, 20), release(50, 20)] {
            h.frame(input) { ui in
                ui.beginOverlay(Rect(400, 300, 200, 200))
                ui.endOverlay()
                clicks.append(ui.button("Beneath", in: under))
            }
        }
        XCTAssertEqual(clicks, [false, true])
    }

    func testOverlay_WidgetsInsideIt_React() {
        let h = Harness()
        var clicks: [Bool] = []
        for input in [press(50, 20), release(50, 20)] {
            h.frame(input) { ui in
                ui.beginOverlay()
                clicks.append(ui.button("Close", in: under))
                ui.endOverlay()
            }
        }
        XCTAssertEqual(clicks, [false, true])
    }

    func testOverlay_IsDrawnAfterBaseLayerWithItsOwnClip() {
        let h = Harness()
        let window = Rect(0, 0, 800, 600)
        let cmds = h.frame(move(0, 0)) { ui in
            ui.beginOverlay()
            ui.label("Help", in: Rect(100, 100, 200, 30))
            ui.endOverlay()
            ui.beginPanel(Rect(0, 0, 50, 50))
            ui.endPanel()
        }
        XCTAssertEqual(clips(cmds), [Rect(0, 0, 50, 50), nil, window, nil])
        let scrim = cmds.firstIndex(of: .rect(window, h.ui.theme.scrim))!
        let panel = cmds.firstIndex(of: .rect(Rect(0, 0, 50, 50), h.ui.theme.panel))!
        XCTAssertLessThan(panel, scrim)
        XCTAssertEqual(texts(cmds), ["Help"])
    }
}
