import Foundation
import XCTest

/// The filter controls' choice outlives the window: Plain, 64 px and 10 steps clicked, Ctrl+Q, and the next window
/// opens the Filters view with that method, size and steps (and makes its images with them).
final class FilterSettingsWindowTests: XCTestCase {
    func testFilterChoice_ClickedThenQuit_IsTheNextWindowsChoice() throws {
        guard let display = ProcessInfo.processInfo.environment["DISPLAY"], !display.isEmpty else {
            throw XCTSkip("no X display: Scripts/test runs this under xvfb-run")
        }
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("convscope-fset-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: tmp) }
        let trace = tmp.appendingPathComponent("trace.json").path
        let environment = [
            "CONVSCOPE_UI_TRACE": trace, "XDG_CONFIG_HOME": tmp.appendingPathComponent("config").path,
            "XDG_CACHE_HOME": tmp.appendingPathComponent("cache").path,
        ]
        let model = Fixtures.repo.appendingPathComponent("Tests/Models/vgg16_finetuned/model.keras").path

        func session(_ body: (AppOutput, (String) throws -> TraceEntry, String) throws -> Void) throws {
            try? FileManager.default.removeItem(atPath: trace)
            let (app, out) = try launch(["--weights", model, "--size", "1280x800"], environment: environment)
            defer { if app.isRunning { app.terminate() } }
            XCTAssertTrue(waitFor("analysed: chelsea.png", in: out, seconds: 60), out.value)
            let window = try windowAtOrigin()
            XCTAssertTrue(try press("f", in: window, until: "view: filters", in: out, seconds: 4), out.value)
            func control(_ label: String) throws -> TraceEntry {
                let pane = try XCTUnwrap(
                    waitForEntry(trace, seconds: 5) { e, _ in e.kind == "pane" && e.label == "layer" })
                return try XCTUnwrap(
                    waitForEntry(trace, seconds: 5) { e, _ in
                        e.kind == "selectable" && e.label == label && pane.contains(e)
                    }, label)
            }
            try body(out, control, window)
            _ = try tool(["xdotool", "windowfocus", "--sync", window])
            _ = try tool(["xdotool", "key", "--clearmodifiers", "ctrl+q"])
            for _ in 0..<50 where app.isRunning { Thread.sleep(forTimeInterval: 0.1) }
            XCTAssertFalse(app.isRunning, "Ctrl+Q quits")
        }

        try session { out, control, _ in
            XCTAssertEqual(try control("Lucid").value, "true", "Lucid's method is the default")
            // While the page computes, the status bar says so (wherever the person looks).
            let busy = waitForEntry(trace, seconds: 10) { e, _ in e.kind == "status" }
            XCTAssertTrue(
                busy.map { $0.label.hasPrefix("Computing ") && $0.label.contains(" feature visualisations of block") }
                    ?? false, busy?.label ?? "none")
            for label in ["Plain", "64", "10"] {
                let c = try control(label)
                _ = try tool(["xdotool", "mousemove", "\(c.centre.0)", "\(c.centre.1)", "click", "1"])
                XCTAssertNotNil(waitForEntry(trace, seconds: 5) { e, _ in e.label == label && e.value == "true" })
            }
            XCTAssertTrue(waitFor("complete (plain, 64 px, 10 steps)", in: out, seconds: 60), out.value)
        }
        let saved = try String(contentsOfFile: tmp.appendingPathComponent("config/convscope/settings.json").path)
        XCTAssertTrue(saved.contains("\"plain\""), saved)

        try session { out, control, _ in
            XCTAssertEqual(try control("Plain").value, "true", "the method chosen last time")
            XCTAssertEqual(try control("64").value, "true")
            XCTAssertEqual(try control("10").value, "true")
            XCTAssertTrue(waitFor("complete (plain, 64 px, 10 steps)", in: out, seconds: 60), out.value)
        }
    }
}
