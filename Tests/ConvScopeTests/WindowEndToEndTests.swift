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
        let (app, out) = try launch(["--weights", weights, "--export-dir", exports, "--frame-stats", stats],
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
        var red = 0, blue = 0
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
        XCTAssertEqual(grid.width, 8 * 56 + 7 * 2)   // 28×28 maps drawn 2× with 2-px gaps
        XCTAssertGreaterThanOrEqual(grid.height, 8 * 56 + 7 * 2)   // and a caption strip naming layer and channels

        Thread.sleep(forTimeInterval: 0.5)
        _ = try tool(["xdotool", "windowfocus", "--sync", window])
        print("focus: \(try tool(["xdotool", "getwindowfocus"])) window: \(window) mouse: \(try tool(["xdotool", "getmouselocation"]))")
        _ = try tool(["xdotool", "key", "--clearmodifiers", "ctrl+q"])
        let deadline = Date().addingTimeInterval(10)
        while app.isRunning && Date() < deadline { RunLoop.current.run(until: Date().addingTimeInterval(0.1)) }
        guard !app.isRunning else { return XCTFail("Ctrl+Q did not quit") }
        XCTAssertEqual(app.terminationStatus, 0)
        let frames = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: stats))) as? [String: [String: NSNumber]])
        print("frame times: \(frames)")
        XCTAssertGreaterThan(frames["all"]?["frames"]?.intValue ?? 0, 10)
    }

    /// F shows the Filters view; on block1_conv1 the 64 filter images fill in (oriented stripes and colour fields on
    /// screen), E exports the grid, and a pool layer says it has no filters.
    func testWindow_FiltersView_FillsGridAndExports() throws {
        guard let display = ProcessInfo.processInfo.environment["DISPLAY"], !display.isEmpty else {
            throw XCTSkip("no X display: Scripts/test runs this under xvfb-run")
        }
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("convscope-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: tmp) }
        _ = try Fixtures.backboneWeights()
        let exports = tmp.appendingPathComponent("exports").path
        let trace = tmp.appendingPathComponent("trace.json").path
        let (app, out) = try launch(["--weights", Fixtures.hedWeights.path, "--export-dir", exports], environment: ["CONVSCOPE_UI_TRACE": trace])
        defer { if app.isRunning { app.terminate() } }
        XCTAssertTrue(waitFor("analysed: chelsea.png", in: out, seconds: 60), out.value)

        let window = try windowAtOrigin()
        XCTAssertFalse(window.isEmpty, "window not found")
        func press(_ key: String, until needle: String, seconds: Double = 4) throws -> Bool {
            try self.press(key, in: window, until: needle, in: out, seconds: seconds)
        }
        XCTAssertTrue(try press("f", until: "view: filters"), out.value)
        // block3_conv2 → … → block1_conv1, one layer per key.
        for layer in ["block3_conv1", "block2_pool", "block2_conv2", "block2_conv1", "block1_pool", "block1_conv2", "block1_conv1"] {
            XCTAssertTrue(try press("Left", until: "layer: \(layer)"), out.value)
        }
        XCTAssertTrue(waitFor("filters: block1_conv1 page 0 complete (128 px, 30 steps)", in: out, seconds: 240), out.value)
        XCTAssertFalse(out.value.contains("filters: block3_conv2 page 0 complete"), "the block3_conv2 run was not cancelled")
        Thread.sleep(forTimeInterval: 0.5)

        // The middle pane's grid (its filter tiles, found through the UI trace): many saturated (colour-field) pixels.
        let layerPane = try XCTUnwrap(readTrace(trace).first { $0.kind == "pane" && $0.label == "layer" })
        let tiles = readTrace(trace).filter { $0.kind == "imageButton" && layerPane.contains($0) }
        let top = Int(tiles.map(\.y).min() ?? layerPane.y), bottom = Int(tiles.map { $0.y + $0.h }.max() ?? layerPane.y + layerPane.h)
        let shot = tmp.appendingPathComponent("shot.png").path
        _ = try tool(["import", "-window", "root", shot])
        let screen = try ImageFile.load(path: shot)
        var saturated = 0, samples = 0
        for y in stride(from: top, to: min(screen.height, bottom), by: 3) {
            for x in stride(from: Int(layerPane.x) + 12, to: min(screen.width, Int(layerPane.x + layerPane.w) - 12), by: 3) {
                let p = screen[x, y]
                samples += 1
                if Int(max(p.r, p.g, p.b)) - Int(min(p.r, p.g, p.b)) > 60 { saturated += 1 }
            }
        }
        XCTAssertGreaterThan(saturated, samples / 5, "the filter grid is not on screen (\(saturated) of \(samples) pixels coloured)")

        XCTAssertTrue(try press("e", until: "exported: ", seconds: 15), out.value)
        XCTAssertTrue(waitFor("exported: ", in: out, seconds: 20), out.value)
        let files = pngs(in: exports)
        let file = try XCTUnwrap(files.first, "\(files)")
        XCTAssertTrue((file as NSString).lastPathComponent.hasPrefix("filters_block1_conv1_filters0-63_128px_30steps"), file)
        let grid = try ImageFile.load(path: exports + "/" + file)
        XCTAssertEqual(grid.width, 8 * 112 + 7 * 2)   // 128-px images less an 8-px border
        XCTAssertGreaterThanOrEqual(grid.height, 8 * 112 + 7 * 2)

        XCTAssertTrue(try press("Right", until: "layer: block1_conv2"), out.value)
        XCTAssertTrue(try press("Right", until: "layer: block1_pool"), out.value)
        _ = try tool(["xdotool", "key", "--clearmodifiers", "ctrl+q"])
        let deadline = Date().addingTimeInterval(10)
        while app.isRunning && Date() < deadline { RunLoop.current.run(until: Date().addingTimeInterval(0.1)) }
        XCTAssertFalse(app.isRunning, "Ctrl+Q did not quit")
    }

    /// The PNG files under `folder` (exports go into a folder per image), as paths relative to it.
    func pngs(in folder: String) -> [String] {
        ((FileManager.default.enumerator(atPath: folder)?.allObjects as? [String]) ?? []).filter { $0.hasSuffix(".png") }.sorted()
    }
}
