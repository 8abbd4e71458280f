import Foundation
import Platform
import Raster
import XCTest

/// The real window under X (CI runs the tests under xvfb-run): starts with the sample image and real weights, waits
/// for the grid and Grad-CAM, moves the layer with a key press, exports with E, quits with Ctrl+Q.
final class WindowEndToEndTests: XCTestCase {
    func testWindow_ShowsGridAndCAM_KeyMovesLayer_ExportWritesPNG() throws {
        guard let display = ProcessInfo.processInfo.environment["DISPLAY"], !display.isEmpty else {
            throw XCTSkip("no X display: Scripts/test runs this under xvfb-run")
        }
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("convscope-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: tmp) }
        let weights = try Fixtures.fullWeightsFile()
        let exports = tmp.appendingPathComponent("exports").path
        let stats = tmp.appendingPathComponent("frames.json").path

        let trace = tmp.appendingPathComponent("trace.json").path
        let (app, out) = try launch(
            ["--weights", weights, "--export-dir", exports, "--frame-stats", stats],
            environment: ["CONVSCOPE_UI_TRACE": trace])
        defer { if app.isRunning { app.terminate() } }

        XCTAssertTrue(waitFor("analysed: chelsea.png", in: out, seconds: 60), out.value)
        XCTAssertTrue(waitFor("cam: Grad-CAM at block5_conv3", in: out, seconds: 30), out.value)
        Thread.sleep(forTimeInterval: 0.5)

        // The CAM pane shows jet colours: strong reds and blues.
        let window = try windowAtOrigin()
        let cam = try XCTUnwrap(readTrace(trace).first { $0.kind == "pane" && $0.label == "cam" })
        let shot = tmp.appendingPathComponent("shot.png").path
        _ = try tool(["import", "-window", "root", shot])
        let screen = try ImageFile.load(path: shot)
        var red = 0
        var blue = 0
        for y in stride(from: Int(cam.y), to: min(screen.height, Int(cam.y + cam.h / 2)), by: 2) {
            for x in stride(from: Int(cam.x), to: min(screen.width, Int(cam.x + cam.w)), by: 2) {
                let p = screen[x, y]
                if Int(p.r) - Int(p.b) > 70 && Int(p.r) - Int(p.g) > 40 { red += 1 }
                if Int(p.b) - Int(p.r) > 70 { blue += 1 }
            }
        }
        XCTAssertGreaterThan(red, 50, "no red Grad-CAM pixels in the CAM pane")
        XCTAssertGreaterThan(blue, 200, "no blue Grad-CAM pixels in the CAM pane")

        // Right twice: block3_conv2 → block3_conv3 → block3_pool; E exports that layer's grid.
        XCTAssertFalse(window.isEmpty, "window not found")
        func press(_ key: String, until needle: String, seconds: Double = 4) throws -> Bool {
            try self.press(key, in: window, until: needle, in: out, seconds: seconds)
        }
        XCTAssertTrue(try press("Right", until: "layer: block3_conv3"), out.value)
        XCTAssertTrue(try press("Right", until: "layer: block3_pool"), out.value)
        XCTAssertTrue(try press("e", until: "exported: ", seconds: 15), out.value)
        XCTAssertTrue(waitFor("exported: ", in: out, seconds: 20), out.value)
        let files = pngs(in: exports)
        XCTAssertEqual(files.count, 1, "\(files)")
        let file = try XCTUnwrap(files.first)
        XCTAssertTrue((file as NSString).lastPathComponent.hasPrefix("chelsea_block3_pool_channels0-63_"), file)
        let grid = try ImageFile.load(path: exports + "/" + file)
        XCTAssertEqual(grid.width, 8 * 56 + 7 * 2)  // 28×28 maps drawn 2× with 2-px gaps
        XCTAssertGreaterThanOrEqual(grid.height, 8 * 56 + 7 * 2)  // and a caption strip naming layer and channels

        Thread.sleep(forTimeInterval: 0.5)
        _ = try tool(["xdotool", "windowfocus", "--sync", window])
        print(
            "focus: \(try tool(["xdotool", "getwindowfocus"])) window: \(window) mouse: \(try tool(["xdotool", "getmouselocation"]))"
        )
        _ = try tool(["xdotool", "key", "--clearmodifiers", "ctrl+q"])
        let deadline = Date().addingTimeInterval(10)
        while app.isRunning && Date() < deadline { RunLoop.current.run(until: Date().addingTimeInterval(0.1)) }
        guard !app.isRunning else { return XCTFail("Ctrl+Q did not quit") }
        XCTAssertEqual(app.terminationStatus, 0)
        let frames = try XCTUnwrap(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: stats)))
                as? [String: [String: NSNumber]])
        print("frame times: \(frames)")
        XCTAssertGreaterThan(frames["all"]?["frames"]?.intValue ?? 0, 10)
    }

    /// F shows the Filters view; on block1_conv1 the 64 filter images fill in by Lucid's method (the default), E
    /// exports the grid; a click on "Plain" switches the method (the log says so, the page is made again by plain
    /// ascent, the tiles on screen change, the export is the plain one); back on "Lucid" the page is complete at once
    /// from the window's cache; a pool layer says it has no filters. A second window on the same disk cache finds
    /// the page there.
    func testWindow_FiltersView_MethodToggle_FillsGridExportsAndCaches() throws {
        guard let display = ProcessInfo.processInfo.environment["DISPLAY"], !display.isEmpty else {
            throw XCTSkip("no X display: Scripts/test runs this under xvfb-run")
        }
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("convscope-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: tmp) }
        _ = try Fixtures.backboneWeights()
        let exports = tmp.appendingPathComponent("exports").path
        let trace = tmp.appendingPathComponent("trace.json").path
        let cache = tmp.appendingPathComponent("cache").path
        let environment = ["CONVSCOPE_UI_TRACE": trace, "XDG_CACHE_HOME": cache]
        let (app, out) = try launch(
            ["--weights", Fixtures.hedWeights.path, "--export-dir", exports], environment: environment)
        defer { if app.isRunning { app.terminate() } }
        XCTAssertTrue(waitFor("analysed: chelsea.png", in: out, seconds: 60), out.value)

        let window = try windowAtOrigin()
        XCTAssertFalse(window.isEmpty, "window not found")
        func press(_ key: String, until needle: String, seconds: Double = 4, count: Int = 1) throws -> Bool {
            try self.press(key, in: window, until: needle, in: out, seconds: seconds, count: count)
        }
        XCTAssertTrue(try press("f", until: "view: filters"), out.value)
        // block3_conv2 → … → block1_conv1, one layer per key.
        for layer in [
            "block3_conv1", "block2_pool", "block2_conv2", "block2_conv1", "block1_pool", "block1_conv2",
            "block1_conv1",
        ] {
            XCTAssertTrue(try press("Left", until: "layer: \(layer)"), out.value)
        }
        XCTAssertTrue(
            waitFor("filters: block1_conv1 page 0 complete (lucid, 96 px, 36 steps)", in: out, seconds: 240), out.value)
        XCTAssertFalse(
            out.value.contains("filters: block3_conv2 page 0 complete"), "the block3_conv2 run was not cancelled")
        Thread.sleep(forTimeInterval: 0.5)
        let lucid = try gridPixels(trace, tmp)
        XCTAssertGreaterThan(lucid.spread, 30, "the filter grid is not on screen (pixel spread \(lucid.spread))")
        XCTAssertTrue(try press("e", until: "exported: ", seconds: 15), out.value)
        XCTAssertTrue(
            try XCTUnwrap(pngs(in: exports).first).contains("filters_block1_conv1_filters0-63_lucid_96px_36steps"),
            "\(pngs(in: exports))")

        // The method toggle, found by its label in the layer pane.
        let t = readTrace(trace)
        let layerPane = try XCTUnwrap(t.first { $0.kind == "pane" && $0.label == "layer" })
        func toggle(_ label: String) throws -> TraceEntry {
            try XCTUnwrap(
                readTrace(trace).first { $0.kind == "selectable" && $0.label == label && layerPane.contains($0) },
                "\(t)")
        }
        XCTAssertEqual(try toggle("Lucid").value, "true")
        let plainButton = try toggle("Plain")
        _ = try tool(["xdotool", "mousemove", "\(plainButton.centre.0)", "\(plainButton.centre.1)", "click", "1"])
        XCTAssertTrue(waitFor("filters: method plain", in: out, seconds: 5), out.value)
        XCTAssertTrue(
            waitFor("filters: block1_conv1 page 0 complete (plain, 128 px, 30 steps)", in: out, seconds: 240), out.value
        )
        XCTAssertEqual(try toggle("Plain").value, "true")
        Thread.sleep(forTimeInterval: 0.5)
        let plain = try gridPixels(trace, tmp)
        XCTAssertGreaterThan(plain.saturated, plain.samples / 5, "plain ascent's colour fields are not on screen")
        let changed = zip(lucid.values, plain.values).filter { abs(Int($0) - Int($1)) > 40 }.count
        XCTAssertGreaterThan(changed, lucid.values.count / 4, "the tiles did not change with the method")
        let before = Set(pngs(in: exports))
        // The second export's own line (the first one's is in the log already).
        XCTAssertTrue(try press("e", until: "exported: ", seconds: 15, count: 2), out.value)
        let file = try XCTUnwrap(Set(pngs(in: exports)).subtracting(before).first, "\(pngs(in: exports))")
        XCTAssertTrue(
            (file as NSString).lastPathComponent.hasPrefix("filters_block1_conv1_filters0-63_plain_128px_30steps"), file
        )
        let grid = try ImageFile.load(path: exports + "/" + file)
        XCTAssertEqual(grid.width, 8 * 112 + 7 * 2)  // 128-px images less an 8-px border
        XCTAssertGreaterThanOrEqual(grid.height, 8 * 112 + 7 * 2)

        // Back to Lucid: the page is kept (in memory and on disk), so it is complete without a new run.
        let lucidButton = try toggle("Lucid")
        let completions = out.value.components(separatedBy: "page 0 complete (lucid").count
        _ = try tool(["xdotool", "mousemove", "\(lucidButton.centre.0)", "\(lucidButton.centre.1)", "click", "1"])
        XCTAssertTrue(waitFor("filters: method lucid", in: out, seconds: 5), out.value)
        Thread.sleep(forTimeInterval: 1)
        XCTAssertEqual(
            out.value.components(separatedBy: "page 0 complete (lucid").count, completions, "no new run: \(out.value)")
        let files = (FileManager.default.enumerator(atPath: cache)?.allObjects as? [String] ?? []).filter {
            $0.hasSuffix(".bin")
        }
        XCTAssertEqual(files.count, 128, "64 lucid and 64 plain images in the disk cache")

        XCTAssertTrue(try press("Right", until: "layer: block1_conv2"), out.value)
        XCTAssertTrue(try press("Right", until: "layer: block1_pool"), out.value)
        _ = try tool(["xdotool", "key", "--clearmodifiers", "ctrl+q"])
        let deadline = Date().addingTimeInterval(10)
        while app.isRunning && Date() < deadline { RunLoop.current.run(until: Date().addingTimeInterval(0.1)) }
        XCTAssertFalse(app.isRunning, "Ctrl+Q did not quit")

        // A new window on the same cache: the page comes from the disk, whole.
        let (again, out2) = try launch(["--weights", Fixtures.hedWeights.path], environment: environment)
        defer { if again.isRunning { again.terminate() } }
        XCTAssertTrue(waitFor("analysed: chelsea.png", in: out2, seconds: 60), out2.value)
        let window2 = try windowAtOrigin()
        XCTAssertTrue(try self.press("f", in: window2, until: "view: filters", in: out2, seconds: 4), out2.value)
        for layer in [
            "block3_conv1", "block2_pool", "block2_conv2", "block2_conv1", "block1_pool", "block1_conv2",
            "block1_conv1",
        ] {
            XCTAssertTrue(
                try self.press("Left", in: window2, until: "layer: \(layer)", in: out2, seconds: 4), out2.value)
        }
        XCTAssertTrue(waitFor("filters: block1_conv1: 64 from the cache", in: out2, seconds: 20), out2.value)
        XCTAssertTrue(
            waitFor("filters: block1_conv1 page 0 complete (lucid, 96 px, 36 steps)", in: out2, seconds: 5), out2.value)
        again.terminate()
    }

    /// The middle pane's filter grid on screen (its tiles found through the UI trace), sampled every third pixel:
    /// the gray values, their spread, and how many are saturated (colour fields).
    func gridPixels(
        _ trace: String, _ tmp: URL
    ) throws -> (
        values: [UInt8], spread: Double, saturated: Int, samples: Int
    ) {
        let layerPane = try XCTUnwrap(readTrace(trace).first { $0.kind == "pane" && $0.label == "layer" })
        let tiles = readTrace(trace).filter { $0.kind == "imageButton" && layerPane.contains($0) }
        let top = Int(tiles.map(\.y).min() ?? layerPane.y)
        let bottom = Int(tiles.map { $0.y + $0.h }.max() ?? layerPane.y + layerPane.h)
        let shot = tmp.appendingPathComponent("shot.png").path
        _ = try tool(["import", "-window", "root", shot])
        let screen = try ImageFile.load(path: shot)
        var values: [UInt8] = []
        var saturated = 0
        for y in stride(from: top, to: min(screen.height, bottom), by: 3) {
            for x in stride(
                from: Int(layerPane.x) + 12, to: min(screen.width, Int(layerPane.x + layerPane.w) - 12), by: 3)
            {
                let p = screen[x, y]
                values.append(UInt8((Int(p.r) + Int(p.g) + Int(p.b)) / 3))
                if Int(max(p.r, p.g, p.b)) - Int(min(p.r, p.g, p.b)) > 60 { saturated += 1 }
            }
        }
        let mean = values.reduce(0.0) { $0 + Double($1) } / Double(max(values.count, 1))
        let spread =
            (values.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(max(values.count, 1)))
            .squareRoot()
        return (values, spread, saturated, values.count)
    }

    /// The PNG files under `folder` (exports go into a folder per image), as paths relative to it.
    func pngs(in folder: String) -> [String] {
        ((FileManager.default.enumerator(atPath: folder)?.allObjects as? [String]) ?? []).filter {
            $0.hasSuffix(".png")
        }.sorted()
    }
}
