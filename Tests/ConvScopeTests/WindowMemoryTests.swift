import Foundation
import XCTest

/// The window gives the heap's free pages back once its engine is idle after a long job (`IdleHeapTrim`): after a
/// preprocessing switch (the old runner's buffers) and after the compare view's eight methods (Score-CAM's and
/// Ablation-CAM's batch buffers); a Grad-CAM alone is no long job and keeps its pages for the next pass.
final class WindowMemoryTests: XCTestCase {
    private let trimmed = "memory: heap trimmed after a long job, "

    private func trims(_ out: AppOutput) -> [(before: Int, after: Int)] {
        out.value.split(separator: "\n").filter { $0.hasPrefix(trimmed) }.compactMap { line in
            let words = line.dropFirst(trimmed.count).split(separator: " ")
            guard words.count >= 3, let b = Int(words[0]), let a = Int(words[2]) else { return nil }
            return (b, a)
        }
    }

    private func waitForTrims(_ n: Int, in out: AppOutput, seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if trims(out).count >= n { return true }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return false
    }

    func testIdleEngine_AfterPreprocessingSwitchAndCompareView_TrimsTheHeap() throws {
        guard let display = ProcessInfo.processInfo.environment["DISPLAY"], !display.isEmpty else {
            throw XCTSkip("no X display: Scripts/test runs this under xvfb-run")
        }
        let trace = FileManager.default.temporaryDirectory.appendingPathComponent("memory-\(UUID().uuidString).json")
            .path
        let model = Fixtures.repo.appendingPathComponent("Tests/Models/vgg16_finetuned/model.keras").path
        let (app, out) = try launch(
            ["--weights", model, "--size", "1280x800"], environment: ["CONVSCOPE_UI_TRACE": trace])
        defer { app.terminate() }
        XCTAssertTrue(waitFor("cam: Grad-CAM at block5_conv3", in: out, seconds: 60), out.value)
        _ = try windowAtOrigin()
        Thread.sleep(forTimeInterval: 2)
        XCTAssertEqual(trims(out).count, 0, "trimmed after the first analysis: \(out.value)")

        // Another preprocessing: the model is run anew with it, and the old runner's memory goes back once idle.
        let tf = try XCTUnwrap(
            waitForEntry(trace, seconds: 5) { e, _ in e.kind == "selectable" && e.label == "tf" })
        _ = try tool(["xdotool", "mousemove", "\(tf.centre.0)", "\(tf.centre.1)", "click", "1"])
        XCTAssertTrue(waitForTrims(1, in: out, seconds: 30), out.value)
        let loads = out.value.split(separator: "\n").filter { $0.hasPrefix("weights: ") }
        XCTAssertEqual(loads.count, 2, out.value)  // run anew once, with the other preprocessing

        // The compare view: eight methods, then one trim once they are all scored.
        let box = try XCTUnwrap(
            waitForEntry(trace, seconds: 5) { e, _ in e.kind == "checkbox" && e.label == "Compare" })
        _ = try tool(["xdotool", "mousemove", "\(box.centre.0)", "\(box.centre.1)", "click", "1"])
        XCTAssertTrue(waitFor("compare: scorecam", in: out, seconds: 90), out.value)
        XCTAssertTrue(waitForTrims(2, in: out, seconds: 30), out.value)
        // Other threads (the UI's) may allocate between the two readings; the trim itself gives back, never takes.
        for t in trims(out) { XCTAssertLessThanOrEqual(t.after, t.before + 8, out.value) }
    }
}
