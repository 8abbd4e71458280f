import Foundation
import XCTest

/// The CAM pane's compare view driven as a person does: the Compare box clicked, every method's map arriving with
/// its scores, a click on one making it the pane's method; then every layer and LayerCAM's fusion, a click on a
/// layer making it the pane's layer.
final class CompareViewTests: XCTestCase {
    func testCompareView_ClickedMethodThenLayer_BecomeThePanesAfterEveryCellIsScored() throws {
        let (app, out, trace) = try launchWithFineTunedModel(size: "1280x800")
        defer { app.terminate() }
        let box = try XCTUnwrap(
            waitForEntry(trace, seconds: 5) { e, _ in e.kind == "checkbox" && e.label == "Compare" })
        XCTAssertEqual(box.value, "false")
        _ = try tool(["xdotool", "mousemove", "\(box.centre.0)", "\(box.centre.1)", "click", "1"])

        // Eight methods, each with deletion and insertion areas that are probabilities' averages.
        XCTAssertTrue(waitFor("compare: scorecam", in: out, seconds: 60), out.value)
        let lines = out.value.split(separator: "\n").filter { $0.hasPrefix("compare: ") }
        XCTAssertEqual(lines.count, 8, out.value)
        for line in lines {
            let words = line.split(separator: " ")
            let deletion = try XCTUnwrap(Float(words[words.count - 3]))
            let insertion = try XCTUnwrap(Float(words.last!))
            XCTAssertTrue((0...1).contains(deletion) && (0...1).contains(insertion), String(line))
        }
        // ROAD: the pane's own method (Grad-CAM) with its cell, then every other method's after the last cell, each
        // combined score a difference of probabilities.
        func roadLines() -> [Substring] { out.value.split(separator: "\n").filter { $0.hasPrefix("road: ") } }
        XCTAssertTrue(roadLines().first?.hasPrefix("road: gradcam combined ") ?? false, out.value)
        let roadDeadline = Date().addingTimeInterval(90)
        while roadLines().count < 8 && Date() < roadDeadline { Thread.sleep(forTimeInterval: 0.2) }
        let road = roadLines()
        XCTAssertEqual(Set(road.map { $0.split(separator: " ")[1] }).count, 8, "ROAD for every method: \(out.value)")
        for line in road {
            let combined = try XCTUnwrap(Float(line.split(separator: " ")[3]))
            XCTAssertTrue((-1...1).contains(combined), String(line))
        }
        let cell = try XCTUnwrap(
            waitForEntry(trace, seconds: 5) { e, _ in e.kind == "imageButton" && e.label == "Score-CAM" })
        let cells = readTrace(trace).filter { $0.kind == "imageButton" && !$0.label.isEmpty }
        XCTAssertEqual(Set(cells.map(\.label)).count, 8, "\(cells.map(\.label))")

        _ = try tool(["xdotool", "mousemove", "\(cell.centre.0)", "\(cell.centre.1)", "click", "1"])
        XCTAssertTrue(waitFor("cam: Score-CAM at block5_conv3", in: out, seconds: 30), out.value)
        XCTAssertEqual(
            out.value.components(separatedBy: "compare: ").count - 1, 8, "choosing a method computes nothing again")

        let layers = try XCTUnwrap(
            waitForEntry(trace, seconds: 5) { e, _ in e.kind == "selectable" && e.label == "Every layer" })
        _ = try tool(["xdotool", "mousemove", "\(layers.centre.0)", "\(layers.centre.1)", "click", "1"])
        XCTAssertTrue(waitFor("compare: fusion", in: out, seconds: 60), out.value)
        XCTAssertEqual(
            out.value.components(separatedBy: "compare: block").count - 1, 13, "Score-CAM at the 13 convolutions")
        XCTAssertTrue(out.value.contains("road: block5_conv3 combined "), "ROAD for the pane's layer: \(out.value)")
        let block4 = try XCTUnwrap(
            waitForEntry(trace, seconds: 5) { e, _ in e.kind == "imageButton" && e.label == "block4_conv1" })
        XCTAssertNotNil(
            waitForEntry(trace, seconds: 5) { e, _ in e.kind == "imageButton" && e.label == "LayerCAM fusion" })
        _ = try tool(["xdotool", "mousemove", "\(block4.centre.0)", "\(block4.centre.1)", "click", "1"])
        XCTAssertTrue(waitFor("cam: Score-CAM at block4_conv1", in: out, seconds: 30), out.value)

        // The sanity check: every method (the pane's first), one step per weighted layer, from the output down.
        let sanity = try XCTUnwrap(
            waitForEntry(trace, seconds: 5) { e, _ in e.kind == "selectable" && e.label == "Sanity" })
        _ = try tool(["xdotool", "mousemove", "\(sanity.centre.0)", "\(sanity.centre.1)", "click", "1"])
        func steps() -> [[Substring]] {
            out.value.split(separator: "\n").filter { $0.hasPrefix("sanity: ") }.map { $0.split(separator: " ") }
        }
        let deadline = Date().addingTimeInterval(120)
        while steps().count < 15 * 15 && Date() < deadline { Thread.sleep(forTimeInterval: 0.2) }
        let sanityLines = steps()
        XCTAssertEqual(sanityLines.count, 15 * 15, "15 methods × 13 convolutions and 2 dense layers: \(out.value)")
        XCTAssertEqual(sanityLines.first?[1], "scorecam", "the pane's method first")
        XCTAssertEqual(sanityLines.first?[2], "predictions", "from the output down")
        let names: Set<Substring> = Set(sanityLines.map { $0[1] })
        XCTAssertEqual(names.count, 15)
        XCTAssertEqual(sanityLines.last?[2], "block1_conv1")
        XCTAssertTrue(waitFor("sanity ended", in: out, seconds: 30), "the run says it is done")
        func spearman(_ method: String, _ layer: String) -> Float? {
            guard let line = sanityLines.first(where: { $0[1] == method && $0[2] == layer }) else { return nil }
            return Float(line[4])
        }
        // Adebayo et al.'s finding on this model: guided backprop's map survives a random head, Grad-CAM's follows it
        // more; Eigen-CAM ignores the class, so a random head cannot change it at all.
        var head: [Substring] = []  // the model's two dense layers, the first two steps
        for line in sanityLines where !head.contains(line[2]) && head.count < 2 { head.append(line[2]) }
        func meanOverHead(_ method: String) throws -> Float {
            try head.map { try XCTUnwrap(spearman(method, String($0)), "\(method) \($0)") }.reduce(0, +) / 2
        }
        XCTAssertGreaterThan(try meanOverHead("guided_backprop"), 0.95)
        XCTAssertLessThan(try meanOverHead("gradcam"), try meanOverHead("guided_backprop") - 0.2)
        XCTAssertEqual(try XCTUnwrap(spearman("eigencam", "predictions")), 1, accuracy: 1e-6)
        // The window's check is the command's: the same randomised networks, the same numbers.
        let model = Fixtures.repo.appendingPathComponent("Tests/Models/vgg16_finetuned/model.keras").path
        let photo = Fixtures.repo.appendingPathComponent("Assets/chelsea.png").path
        let command = try runConvscope([
            "sanity", photo, "--weights", model, "--method", "gradcam", "--layer", "block4_conv1", "--json",
        ])
        XCTAssertEqual(command.status, 0, command.stderr)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(command.stdout.utf8)) as? [String: Any])
        let curve = try XCTUnwrap(json["steps"] as? [[String: Any]])
        XCTAssertEqual(curve.count, 15)
        for step in curve {
            let layer = try XCTUnwrap(step["randomised_through"] as? String)
            let expected = try XCTUnwrap(step["spearman"] as? Double)
            XCTAssertEqual(Double(try XCTUnwrap(spearman("gradcam", layer))), expected, accuracy: 6e-4, layer)
        }

        // A click on a legend entry brings that method's curves forward; a second click lets it go.
        func entry() -> TraceEntry? {
            waitForEntry(trace, seconds: 5) { e, _ in
                e.kind == "selectable" && ["Guided Backprop", "Guided BP"].contains(e.label)
            }
        }
        let legend = try XCTUnwrap(entry())
        XCTAssertEqual(legend.value, "false")
        _ = try tool(["xdotool", "mousemove", "\(legend.centre.0)", "\(legend.centre.1)", "click", "1"])
        XCTAssertTrue(waitFor("sanity focus: guided_backprop", in: out, seconds: 5), out.value)
        XCTAssertNotNil(waitForEntry(trace, seconds: 5) { e, _ in e.label == legend.label && e.value == "true" })
        _ = try tool(["xdotool", "click", "1"])
        XCTAssertTrue(waitFor("sanity focus: none", in: out, seconds: 5), out.value)
    }

    /// In a small window the compare view is a table: one row per method with its map and its scores under a header,
    /// a row's tooltip giving every score in words, a click on a row making it the pane's method. Eigen-CAM, which
    /// ignores the class, says so in the pane's caption and in the class bars' tooltip.
    func testCompareView_SmallWindow_TableRowsClickedAndHovered() throws {
        let (app, out, trace) = try launchWithFineTunedModel(size: "1024x700")
        defer { app.terminate() }
        func click(_ e: TraceEntry) throws {
            _ = try tool(["xdotool", "mousemove", "\(e.centre.0)", "\(e.centre.1)", "click", "1"])
        }
        try click(
            try XCTUnwrap(waitForEntry(trace, seconds: 5) { e, _ in e.kind == "checkbox" && e.label == "Compare" }))
        XCTAssertTrue(waitFor("compare: scorecam", in: out, seconds: 60), out.value)
        let titles = ["Grad-CAM", "Grad-CAM++", "XGrad-CAM", "LayerCAM", "HiResCAM", "Score-CAM", "Ablation-CAM"]
        let rows = try titles.map { title in
            try XCTUnwrap(
                waitForEntry(trace, seconds: 5) { e, _ in
                    e.kind == "selectable" && e.id.count > 0 && e.label == title
                }, "a row for \(title)")
        }
        for (a, b) in zip(rows, rows.dropFirst()) {
            XCTAssertEqual(a.x, b.x, "rows share one left edge")
            XCTAssertGreaterThanOrEqual(b.y, a.y + a.h, "one row under the other")
        }
        // Each row's map, as its cell comes in (the cells arrive cheapest first; Score-CAM's line is not the last).
        let thumbs = try titles.map { title in
            try XCTUnwrap(
                waitForEntry(trace, seconds: 60) { e, _ in e.kind == "imageButton" && e.label == title },
                "\(title)'s map")
        }
        XCTAssertTrue(thumbs.allSatisfy { $0.w >= 20 && $0.h >= 20 }, "\(thumbs)")

        // Hovering a row gives its scores in words.
        _ = try tool(["xdotool", "mousemove", "\(rows[1].centre.0)", "\(rows[1].centre.1)"])
        let tip = try XCTUnwrap(waitForEntry(trace, seconds: 5) { e, _ in e.kind == "tooltip" })
        XCTAssertTrue(tip.label.hasPrefix("Grad-CAM++: deletion "), tip.label)
        XCTAssertTrue(tip.label.contains("insertion") && tip.label.contains("Average Drop"), tip.label)

        // A click on Eigen-CAM's row makes it the pane's; its caption and the classes' tooltip say it ignores them.
        let eigen = try XCTUnwrap(
            waitForEntry(trace, seconds: 5) { e, _ in e.kind == "selectable" && e.label == "Eigen-CAM" })
        try click(eigen)
        XCTAssertTrue(waitFor("cam: Eigen-CAM at block5_conv3", in: out, seconds: 30), out.value)
        let topClass = try XCTUnwrap(
            waitForEntry(trace, seconds: 5) { e, _ in e.kind == "selectable" && e.label.hasPrefix("1. ") })
        _ = try tool(["xdotool", "mousemove", "\(topClass.centre.0)", "\(topClass.centre.1)"])
        let classTip = try XCTUnwrap(
            waitForEntry(trace, seconds: 5) { e, _ in e.kind == "tooltip" && e.label.hasPrefix("Class ") })
        XCTAssertTrue(classTip.label.contains("Eigen-CAM shows the same map for every class"), classTip.label)
        try click(
            try XCTUnwrap(waitForEntry(trace, seconds: 5) { e, _ in e.kind == "checkbox" && e.label == "Compare" }))
        let caption = try XCTUnwrap(waitForEntry(trace, seconds: 5) { e, _ in e.kind == "caption" })
        XCTAssertTrue(caption.label.hasPrefix("Eigen-CAM shows the first principal component of block5_conv3"))

        // The Sanity tab in the small pane: the trained maps' progress, then one plot and a switch to its other
        // measure.
        try click(
            try XCTUnwrap(waitForEntry(trace, seconds: 5) { e, _ in e.kind == "checkbox" && e.label == "Compare" }))
        try click(
            try XCTUnwrap(waitForEntry(trace, seconds: 5) { e, _ in e.kind == "selectable" && e.label == "Sanity" }))
        XCTAssertTrue(waitFor("sanity trained: eigencam", in: out, seconds: 30), out.value)
        XCTAssertTrue(waitFor("sanity: eigencam", in: out, seconds: 120), out.value)
        let plots = {
            self.readTrace(trace).filter { $0.kind == "plot" }.map(\.label)
        }
        XCTAssertEqual(plots(), ["Spearman rank correlation with the trained map"], "one plot fits")
        let ssim = try XCTUnwrap(
            waitForEntry(trace, seconds: 5) { e, _ in e.kind == "selectable" && e.label == "SSIM" })
        XCTAssertEqual(ssim.value, "false")
        try click(ssim)
        XCTAssertTrue(waitFor("sanity plot: SSIM", in: out, seconds: 5), out.value)
        XCTAssertNotNil(
            waitForEntry(trace, seconds: 5) { e, _ in e.kind == "plot" && e.label == "SSIM with the trained map" })
        XCTAssertEqual(plots().count, 1)
    }

    /// The window at `size` with the fine-tuned test VGG16 and a UI trace, once its first Grad-CAM is in and the window
    /// is at the screen's origin.
    private func launchWithFineTunedModel(size: String) throws -> (Process, AppOutput, String) {
        guard let display = ProcessInfo.processInfo.environment["DISPLAY"], !display.isEmpty else {
            throw XCTSkip("no X display: Scripts/test runs this under xvfb-run")
        }
        let trace = FileManager.default.temporaryDirectory.appendingPathComponent("compare-\(UUID().uuidString).json")
            .path
        let model = Fixtures.repo.appendingPathComponent("Tests/Models/vgg16_finetuned/model.keras").path
        let (app, out) = try launch(["--weights", model, "--size", size], environment: ["CONVSCOPE_UI_TRACE": trace])
        XCTAssertTrue(waitFor("cam: Grad-CAM at block5_conv3", in: out, seconds: 60), out.value)
        do {
            _ = try windowAtOrigin()
        } catch {
            app.terminate()
            throw error
        }
        return (app, out, trace)
    }
}
