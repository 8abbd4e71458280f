import Foundation
import ImmediateUI
import XCTest

final class TraceTests: XCTestCase {
    private func panel(_ ui: UIContext, layer: inout Int, on: inout Bool, selected: Int = 0) {
        _ = ui.button("Open…##open", in: Rect(10, 10, 80, 24))
        ui.slider("block3_conv2##layer", value: &layer, range: 0...17, in: Rect(10, 40, 190, 20))
        for i in 0..<2 {
            _ = ui.selectable(
                "Class \(i)##class\(i)", selected: i == selected, in: Rect(10, 70 + Float(i) * 30, 190, 24))
        }
        ui.checkbox("Hide dead", isOn: &on, in: Rect(10, 130, 190, 24))
        _ = ui.imageButton(ImageKey(id: 77), in: Rect(10, 160, 32, 32))
        ui.label("not traced")
        ui.progressBar(fraction: 0.5, label: "not traced either")
    }

    func testTrace_OffByDefault_RecordsNothing() {
        let h = Harness()
        var layer = 3
        var on = false
        h.frame(move(0, 0)) { ui in panel(ui, layer: &layer, on: &on) }
        XCTAssertFalse(h.ui.recordsTrace)
        XCTAssertTrue(h.ui.trace.isEmpty)
        XCTAssertFalse(h.ui.traceChanged)
    }

    func testTrace_RecordsEveryInteractiveWidgetWithKindLabelValueAndRect() {
        let h = Harness()
        h.ui.recordsTrace = true
        var layer = 3
        var on = true
        var ids: [WidgetID] = []
        h.frame(move(0, 0)) { ui in
            panel(ui, layer: &layer, on: &on)
            ids = ["open", "layer", "class0", "class1", "Hide dead"].map { ui.id($0) } + [ui.id(77)]
        }
        let t = h.ui.trace
        XCTAssertEqual(t.map(\.kind), ["button", "slider", "selectable", "selectable", "checkbox", "imageButton"])
        XCTAssertEqual(t.map(\.label), ["Open…", "block3_conv2", "Class 0", "Class 1", "Hide dead", ""])
        XCTAssertEqual(t.map(\.value), ["", "3", "true", "false", "true", "77"])
        XCTAssertEqual(t.map(\.id), ids.map(\.hex))
        XCTAssertEqual(t[1].rect, [10, 40, 190, 20])
        XCTAssertEqual(t[5].rect, [10, 160, 32, 32])
        XCTAssertTrue(t.allSatisfy { $0.id.count == 16 })
    }

    func testTrace_ValueIsAfterInput() {
        let h = Harness()
        h.ui.recordsTrace = true
        var layer = 3
        var on = false
        h.frame(press(15 + 180, 50)) { ui in panel(ui, layer: &layer, on: &on) }
        XCTAssertEqual(layer, 17)
        XCTAssertEqual(h.ui.trace[1].value, "17")
    }

    func testTraceChanged_TrueOnlyWhenWidgetsOrValuesDiffer() {
        let h = Harness()
        h.ui.recordsTrace = true
        var layer = 3
        var on = false
        var changed: [Bool] = []
        func run(_ input: InputSnapshot, selected: Int = 0) {
            h.frame(input) { ui in panel(ui, layer: &layer, on: &on, selected: selected) }
            changed.append(h.ui.traceChanged)
        }
        run(move(0, 0))  // first frame: differs from nothing
        run(move(0, 0))  // identical
        run(move(50, 20))  // hovering a button changes no traced field
        run(wheel(100, 50, 1))  // the wheel moves the slider: 3 → 4
        run(move(0, 0))
        run(move(0, 0), selected: 1)
        run(move(0, 0), selected: 1)
        XCTAssertEqual(changed, [true, false, false, true, false, true, false])
        h.frame(move(0, 0)) { ui in _ = ui.button("Only one") }
        XCTAssertTrue(h.ui.traceChanged)
        XCTAssertEqual(h.ui.trace.count, 1)
    }

    func testTrace_SwitchedOffClearsAndReportsNoChange() {
        let h = Harness()
        h.ui.recordsTrace = true
        var layer = 3
        var on = false
        h.frame(move(0, 0)) { ui in panel(ui, layer: &layer, on: &on) }
        XCTAssertEqual(h.ui.trace.count, 6)
        h.ui.recordsTrace = false
        h.frame(move(0, 0)) { ui in panel(ui, layer: &layer, on: &on) }
        XCTAssertTrue(h.ui.trace.isEmpty)
        XCTAssertFalse(h.ui.traceChanged)
        h.ui.recordsTrace = true
        h.frame(move(0, 0)) { ui in panel(ui, layer: &layer, on: &on) }
        XCTAssertTrue(h.ui.traceChanged, "switched back on: differs from the empty trace before")
    }

    func testTracedWidget_RoundTripsThroughJSON() throws {
        let w = TracedWidget(id: "00000000000000ff", kind: "slider", label: "conv1", value: "2", rect: [1, 2, 3, 4.5])
        let data = try JSONEncoder().encode([w])
        XCTAssertEqual(try JSONDecoder().decode([TracedWidget].self, from: data), [w])
        let keys = try XCTUnwrap((try JSONSerialization.jsonObject(with: data) as? [[String: Any]])?.first?.keys)
        XCTAssertEqual(Set(keys), ["id", "kind", "label", "value", "rect"])
        XCTAssertEqual(WidgetID(raw: 255).hex, "00000000000000ff")
    }
}
