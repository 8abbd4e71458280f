import XCTest

@testable import ImmediateUI

/// The small curve plots of the compare view: a curve that runs through the frame's top left corner, where the
/// legend sits, must not be drawn over the legend's names.
final class CurvePlotTests: XCTestCase {
    func testCurvePlot_LegendDrawnOverACurveThroughItsCorner() throws {
        let ui = UIContext(measurer: FixedWidthTextMeasurer(charWidth: 7, lineHeight: 14))
        ui.beginFrame(input: InputSnapshot())
        let high = CurvePlot.Series(label: "deletion", values: [1, 1, 1, 1, 0], color: Color(255, 170, 80))
        let low = CurvePlot.Series(label: "insertion", values: [0, 0, 1, 1, 1], color: Color(90, 190, 255))
        CurvePlot.draw(
            ui, Rect(0, 0, 300, 120), [high, low], range: 0...1, caption: "curves", from: "0%", to: "100%")
        let commands = ui.endFrame()
        let names = commands.indices.filter {
            if case .text(let t, _, _, _) = commands[$0] { return t == "deletion" || t == "insertion" }
            return false
        }
        XCTAssertEqual(names.count, 2)
        guard case .text(_, let origin, _, _) = commands[names[0]] else { return XCTFail("a name") }
        let nameArea = Rect(origin.x, origin.y, 7 * 8, 14)
        // Every curve piece drawn inside the legend's area comes before the legend's backing, which comes before the
        // names: the names are the last thing there.
        let backing = try XCTUnwrap(
            commands.indices.last { i in
                guard case .rect(let r, let c) = commands[i] else { return false }
                return c.a > 200 && r.contains(Vec2(origin.x + 3, origin.y + 7))
            }, "an opaque backing under the names")
        XCTAssertLessThan(backing, names[0])
        let curveInLegend = commands.indices.filter { i in
            guard case .rect(let r, let c) = commands[i], c == high.color || c == low.color else { return false }
            let overlap = r.intersection(nameArea)
            return overlap.w > 0 && overlap.h > 0
        }
        XCTAssertFalse(curveInLegend.isEmpty, "the test's curve does cross the legend")
        XCTAssertTrue(curveInLegend.allSatisfy { $0 < backing }, "curves drawn before the legend: \(curveInLegend)")
    }

    func testCurvePlot_AxisLabels_PrintedAsPercentG() {
        XCTAssertEqual(CurvePlot.axisLabel(1), "1")
        XCTAssertEqual(CurvePlot.axisLabel(-1), "-1")
        XCTAssertEqual(CurvePlot.axisLabel(0), "0")
        XCTAssertEqual(CurvePlot.axisLabel(0.5), "0.5")
    }

    func testCurvePlot_LongCaption_CutInsideThePlot() {
        let ui = UIContext(measurer: FixedWidthTextMeasurer(charWidth: 7, lineHeight: 14))
        ui.beginFrame(input: InputSnapshot())
        let caption = "Spearman rank correlation with the trained map"  // 46 × 7 = 322 px
        CurvePlot.draw(
            ui, Rect(10, 0, 200, 120), [.init(label: "a", values: [1, 0], color: .white)], range: 0...1,
            caption: caption, from: "0", to: "1", legend: false)
        let texts = ui.endFrame().compactMap { c -> (String, Vec2)? in
            if case .text(let t, let o, _, _) = c { return (t, o) } else { return nil }
        }
        let shown = texts.first { $0.0.hasPrefix("Spearman") }
        XCTAssertEqual(shown?.0.last, "…")
        XCTAssertLessThanOrEqual(Float(shown?.0.count ?? 99) * 7, 200, shown?.0 ?? "no caption")
        XCTAssertTrue(caption.hasPrefix(String(shown?.0.dropLast() ?? "")))
    }
}
