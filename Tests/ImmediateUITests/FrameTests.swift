import ImmediateUI
import XCTest

final class FrameTests: XCTestCase {
    private func scene(_ ui: UIContext, layer: inout Int) {
        ui.beginPanel(Rect(0, 0, 300, 400))
        ui.label("Layer", role: .heading)
        ui.slider("Layer", value: &layer, range: 0...17)
        _ = ui.button("Open image")
        ui.progressBar(fraction: 0.4, label: "Running")
        _ = ui.selectable("tabby cat", selected: true)
        ui.endPanel()
        _ = ui.imageButton(ImageKey("tile-0"), in: Rect(400, 10, 64, 64))
        if ui.lastItemHovered { ui.tooltip("channel 0") }
    }

    func testFrame_SecondIdenticalFrame_HasIdenticalDrawList() {
        let h = Harness()
        var layer = 3
        let input = move(420, 30)
        let first = h.frame(input) { scene($0, layer: &layer) }
        let second = h.frame(input) { scene($0, layer: &layer) }
        XCTAssertFalse(first.isEmpty)
        XCTAssertEqual(first, second)
        XCTAssertEqual(texts(first).last, "channel 0")
    }

    func testFrame_IdleFrames_ReuseCommandStorage() {
        let h = Harness()
        var layer = 3
        h.frame(move(10, 10)) { scene($0, layer: &layer) }
        let capacity = h.ui.commands.capacity
        let count = h.ui.commands.count
        for _ in 0..<5 {
            h.ui.beginFrame(input: move(10, 10))
            scene(h.ui, layer: &layer)
            h.ui.endFrame()
        }
        XCTAssertEqual(h.ui.commands.count, count)
        XCTAssertEqual(h.ui.commands.capacity, capacity)
        XCTAssertEqual(h.ui.frameCount, 6)
    }

    func testFrame_ActiveWidgetThatDisappears_IsReleased() {
        let h = Harness()
        var v = 0
        h.frame(press(50, 20)) { ui in ui.slider("s", value: &v, range: 0...5, in: Rect(0, 0, 100, 40)) }
        XCTAssertNotNil(h.ui.active)
        h.frame(drag(50, 20)) { _ in }
        XCTAssertNil(h.ui.active)
    }

    func testKeyPressed_ReadsSnapshotKeysAndModifiers() {
        let h = Harness()
        h.frame(InputSnapshot(keysPressed: [.left, .f1], modifiers: .ctrl)) { ui in
            XCTAssertTrue(ui.keyPressed(.left))
            XCTAssertTrue(ui.keyPressed(.f1))
            XCTAssertFalse(ui.keyPressed(.right))
            XCTAssertTrue(ui.input.modifiers.contains(.ctrl))
        }
        h.frame(move(0, 0)) { ui in XCTAssertFalse(ui.keyPressed(.left)) }
    }

    func testMouseQueries_ReportButtonsAndScale() {
        let h = Harness()
        var input = InputSnapshot(mouseDown: [.left, .right], mousePressed: .right, dropHover: true, scale: 2)
        input.mouse = Vec2(3, 4)
        h.frame(input) { ui in
            XCTAssertTrue(ui.mouseDown(.right))
            XCTAssertTrue(ui.mousePressed(.right))
            XCTAssertFalse(ui.mousePressed())
            XCTAssertFalse(ui.mouseReleased([.left, .right]))
            XCTAssertTrue(ui.input.dropHover)
            XCTAssertEqual(ui.windowRect.scaled(by: ui.input.scale), Rect(0, 0, 1600, 1200))
        }
    }
}
