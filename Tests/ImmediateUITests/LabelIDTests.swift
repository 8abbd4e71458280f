import Foundation
import ImmediateUI
import XCTest

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

final class LabelIDTests: XCTestCase {
    // Knob width 10 leaves 180 units of travel for 17 steps (0...17).
    let rect = Rect(10, 10, 190, 20)
    let names = (0...17).map { "block\($0 / 3 + 1)_conv\($0 % 3 + 1)" }

    private func stopX(_ i: Int) -> Float { 15 + Float(i) * 180 / 17 }

    func testID_HashesOnlyWhatFollowsDoubleHash() {
        let h = Harness()
        h.frame(move(0, 0)) { ui in
            XCTAssertEqual(ui.id("block3_conv2##layerSlider"), ui.id("block4_conv1##layerSlider"))
            XCTAssertEqual(ui.id("block3_conv2##layerSlider"), ui.id("layerSlider"))
            XCTAssertNotEqual(ui.id("Export##grid"), ui.id("Export##cam"))
            XCTAssertNotEqual(ui.id("Export"), ui.id("Export##cam"))
            XCTAssertEqual(ui.id("a##b##c"), ui.id("x##b##c"), "only the first ## splits")
            XCTAssertNotEqual(ui.id("a##b##c"), ui.id("x##c"))
            let root = ui.id("x##layer")
            ui.pushID("pane")
            XCTAssertNotEqual(ui.id("x##layer"), root, "the id stack still applies")
            XCTAssertEqual(ui.id("x##layer"), ui.id("y##layer"))
            ui.popID()
        }
        XCTAssertEqual(UIContext.displayText("block3_conv2##layerSlider"), "block3_conv2")
        XCTAssertEqual(UIContext.displayText("##hidden"), "")
        XCTAssertEqual(UIContext.displayText("Plain # text"), "Plain # text")
    }

    func testWidgets_ShowOnlyTextBeforeDoubleHash() {
        let h = Harness()
        var on = true
        var v = 3
        var sizes: [Vec2] = []
        let cmds = h.frame(move(0, 0)) { ui in
            _ = ui.button("Open##o1")
            sizes.append(ui.lastItemRect.size)
            ui.checkbox("Hide dead##hide", isOn: &on)
            _ = ui.selectable("Top-1##class", selected: true)
            ui.slider("conv1##layer", value: &v, range: 0...5)
            sizes.append(ui.buttonSize("Open##o1"))
        }
        XCTAssertEqual(texts(cmds), ["Open", "Hide dead", "Top-1", "conv1"])
        XCTAssertEqual(sizes[0].x, 4 * 8 + 2 * h.ui.theme.padding.x, "shrink-wraps the shown text only")
        XCTAssertEqual(sizes[1].x, sizes[0].x)
        XCTAssertEqual(h.ui.measureLabel("Open##o1"), h.ui.measure("Open"))
    }

    /// The layer slider's label is the layer's name, so it changes on every
    /// stop the drag passes; with `##layerSlider` it stays one widget.
    func testSlider_LabelShowingValue_KeepsMouseWhileDragged() {
        let h = Harness()
        var v = 5
        var id: WidgetID?
        var shown: [String] = []
        func run(_ input: InputSnapshot) {
            let cmds = h.frame(input) { ui in
                ui.slider("\(names[v])##layerSlider", value: &v, range: 0...17, in: rect)
                id = ui.lastItemID
            }
            shown.append(texts(cmds).last ?? "")
        }
        run(press(stopX(5), 20))  // on the knob's centre
        XCTAssertEqual(v, 5)
        XCTAssertEqual(h.ui.active, id)
        let path = Array(6...17) + Array((9...16).reversed())  // 20 positions
        XCTAssertEqual(path.count, 20)
        for (k, stop) in path.enumerated() {
            run(drag(stopX(stop) + (k % 2 == 0 ? 2 : -2), k % 3 == 0 ? 20 : 90))
            XCTAssertEqual(v, stop, "position \(k)")
            XCTAssertEqual(h.ui.active, id, "still dragging at position \(k)")
        }
        run(release(stopX(9), 90))
        XCTAssertEqual(v, 9)
        XCTAssertNil(h.ui.active)
        XCTAssertEqual(shown.last, names[9])
        XCTAssertEqual(Set(shown).count, 13, "the shown label changed with the value")
        XCTAssertTrue(h.ui.duplicateIDs.isEmpty)
    }

    /// Without `##` the label is the id, so a label that shows the value makes
    /// a new widget on every change and the drag stops after one step.
    func testSlider_LabelShowingValueWithoutKey_LosesDragAfterFirstChange() {
        let h = Harness()
        var v = 5
        h.frame(press(stopX(5), 20)) { ui in ui.slider(names[v], value: &v, range: 0...17, in: rect) }
        for stop in 6...9 {
            h.frame(drag(stopX(stop), 20)) { ui in ui.slider(names[v], value: &v, range: 0...17, in: rect) }
        }
        XCTAssertEqual(v, 6)
        XCTAssertNil(h.ui.active)
    }

    func testButton_SameTextInDifferentPushIDScopes_AreDifferentWidgets() {
        let h = Harness()
        let a = Rect(10, 10, 80, 30)
        let b = Rect(10, 50, 80, 30)
        var ids: [WidgetID] = []
        var clicks: [(Bool, Bool)] = []
        for input in [press(20, 60), release(20, 60), press(20, 20), release(20, 20)] {
            ids.removeAll()
            let cmds = h.frame(input) { ui in
                ui.pushID("grid")
                let ca = ui.button("Export##export", in: a)
                ids.append(ui.lastItemID!)
                ui.popID()
                ui.pushID("cam")
                let cb = ui.button("Export##export", in: b)
                ids.append(ui.lastItemID!)
                ui.popID()
                clicks.append((ca, cb))
            }
            XCTAssertEqual(texts(cmds), ["Export", "Export"])
            XCTAssertTrue(h.ui.duplicateIDs.isEmpty)
        }
        XCTAssertNotEqual(ids[0], ids[1])
        XCTAssertEqual(clicks.map(\.0), [false, false, false, true])
        XCTAssertEqual(clicks.map(\.1), [false, true, false, false])
    }

    func testDuplicateIDs_SecondWidgetWithUsedIDIsRecordedAndResetEachFrame() {
        let h = Harness()
        var on = false
        var v = 0
        h.frame(move(0, 0)) { ui in
            _ = ui.button("Open", in: Rect(0, 0, 50, 20))
            _ = ui.button("Open", in: Rect(0, 30, 50, 20))  // same label
            _ = ui.selectable("conv1##layer", selected: false)
            ui.slider("conv2##layer", value: &v, range: 0...3)  // same key
            ui.checkbox("Open", isOn: &on)  // a third "Open"
            ui.label("Open")  // not interactive
            ui.withID("other") { _ = ui.button("Open") }  // another scope
        }
        let dups = h.ui.duplicateIDs
        XCTAssertEqual(dups.map(\.label), ["Open", "conv2##layer", "Open"])
        XCTAssertEqual(dups.map(\.id), [h.ui.id("Open"), h.ui.id("layer"), h.ui.id("Open")])
        h.frame(move(0, 0)) { ui in _ = ui.button("Open") }
        XCTAssertTrue(h.ui.duplicateIDs.isEmpty, "reset by beginFrame")
    }

    func testDuplicateIDs_ImageButtonsOfOneImage_AreReportedUnlessIDPushed() {
        let h = Harness()
        let key = ImageKey("channel-3")
        h.frame(move(0, 0)) { ui in
            _ = ui.imageButton(key, in: Rect(0, 0, 10, 10))
            ui.withID(1) { _ = ui.imageButton(key, in: Rect(20, 0, 10, 10)) }
        }
        XCTAssertTrue(h.ui.duplicateIDs.isEmpty)
        h.frame(move(0, 0)) { ui in
            _ = ui.imageButton(key, in: Rect(0, 0, 10, 10))
            _ = ui.imageButton(key, in: Rect(20, 0, 10, 10))
        }
        XCTAssertEqual(h.ui.duplicateIDs.map(\.label), ["image \(key.id)"])
    }

    #if DEBUG
        func testDuplicateIDs_PrintedToStderrOncePerLabel() throws {
            let path = NSTemporaryDirectory() + "immediateui-stderr-\(getpid()).txt"
            defer { unlink(path) }
            fflush(stderr)
            let saved = dup(2)
            let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
            XCTAssertGreaterThanOrEqual(fd, 0)
            dup2(fd, 2)
            let h = Harness()
            for _ in 0..<3 {
                h.frame(move(0, 0)) { ui in
                    for _ in 0..<3 { _ = ui.button("Save##dup") }
                    _ = ui.button("Load")
                    _ = ui.button("Load")
                }
            }
            fflush(stderr)
            dup2(saved, 2)
            close(saved)
            close(fd)
            let text = try String(contentsOfFile: path, encoding: .utf8)
            let lines = text.split(separator: "\n").filter { $0.hasPrefix("ImmediateUI: duplicate") }
            XCTAssertEqual(
                lines,
                [
                    "ImmediateUI: duplicate widget id for \"Save##dup\" — give it a distinct \"##id\" or pushID",
                    "ImmediateUI: duplicate widget id for \"Load\" — give it a distinct \"##id\" or pushID",
                ])
            XCTAssertEqual(h.ui.duplicateIDs.count, 3, "still recorded every frame")
        }
    #endif
}
