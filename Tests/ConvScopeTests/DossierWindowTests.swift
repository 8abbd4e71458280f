import Foundation
import Platform
import Raster
import XCTest

/// The channel dossier as a person uses it: a click on a channel tile opens it with its four panels, the grid sorts
/// by each channel's contribution to the Grad-CAM class, and ↑ pages to the next channel in that order.
final class DossierWindowTests: XCTestCase {
    private func start(
        size: String, extra: [String] = [], environment: [String: String] = [:]
    ) throws
        -> (Process, AppOutput, String)
    {
        guard let display = ProcessInfo.processInfo.environment["DISPLAY"], !display.isEmpty else {
            throw XCTSkip("no X display: Scripts/test runs this under xvfb-run")
        }
        let trace = FileManager.default.temporaryDirectory
            .appendingPathComponent("convscope-trace-\(UUID().uuidString).json").path
        let vgg19 = Fixtures.repo
            .appendingPathComponent("Tests/Models/vgg19_keras/vgg19_weights_tf_dim_ordering_tf_kernels.h5").path
        let (app, out) = try launch(
            ["--weights", vgg19, "--size", size] + extra,
            environment: environment.merging(["CONVSCOPE_UI_TRACE": trace]) { $1 })
        XCTAssertTrue(waitFor("cam: Grad-CAM at block5_conv4 class", in: out, seconds: 60), out.value)
        Thread.sleep(forTimeInterval: 0.5)
        XCTAssertFalse(try windowAtOrigin().isEmpty, "window not found")
        return (app, out, trace)
    }

    /// A temporary folder holding copies of the repo's `Assets` files (from, to), and a temporary cache folder.
    private func photoFolder(_ files: [(String, String)]) throws -> (URL, URL) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dossier-photos-\(UUID())")
        let cache = FileManager.default.temporaryDirectory.appendingPathComponent("dossier-cache-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let assets = Fixtures.repo.appendingPathComponent("Assets")
        for (from, to) in files {
            try FileManager.default.copyItem(
                at: assets.appendingPathComponent(from), to: folder.appendingPathComponent(to))
        }
        return (folder, cache)
    }

    private func click(_ e: TraceEntry) throws {
        _ = try tool(["xdotool", "mousemove", "\(e.centre.0)", "\(e.centre.1)", "click", "1"])
    }

    private func state(_ trace: String) -> [String: String] {
        let value = readTrace(trace).first { $0.kind == "state" }?.value ?? ""
        return Dictionary(
            value.split(separator: " ").map { $0.split(separator: "=", maxSplits: 1).map(String.init) }
                .filter { $0.count == 2 }.map { ($0[0], $0[1]) }, uniquingKeysWith: { $1 })
    }

    /// Mean and standard deviation of the gray level inside `r` of a screenshot.
    private func levels(_ shot: RGBAImage, _ r: TraceEntry) -> (mean: Double, spread: Double) {
        var sum = 0.0
        var squares = 0.0
        var n = 0.0
        for y in stride(from: Int(r.y) + 2, to: min(shot.height, Int(r.y + r.h) - 2), by: 2) {
            for x in stride(from: Int(r.x) + 2, to: min(shot.width, Int(r.x + r.w) - 2), by: 2) {
                let p = shot[x, y]
                let v = (Double(p.r) + Double(p.g) + Double(p.b)) / 3
                sum += v
                squares += v * v
                n += 1
            }
        }
        let mean = sum / max(n, 1)
        return (mean, (squares / max(n, 1) - mean * mean).squareRoot())
    }

    func testTileClick_OpensTheDossierWithItsPanelsDrawn() throws {
        for size in ["1024x700", "1920x1080"] {
            let (app, out, trace) = try start(size: size)
            defer { app.terminate() }
            let t = readTrace(trace)
            let layerPane = try XCTUnwrap(t.first { $0.kind == "pane" && $0.label == "layer" })
            let tiles = t.filter { $0.kind == "imageButton" && layerPane.contains($0) }
            XCTAssertGreaterThan(tiles.count, 8, "\(size): \(t)")
            try click(tiles[3])
            XCTAssertTrue(waitFor("guided backprop: block3_conv2 channel 3 in", in: out, seconds: 20), out.value)
            XCTAssertTrue(waitFor("contributions: block3_conv2 class", in: out, seconds: 20), out.value)
            XCTAssertTrue(waitFor("filters: block3_conv2 filter 3 for the dossier", in: out, seconds: 60), out.value)
            let panels = try XCTUnwrap(waitForEntry(trace, seconds: 5) { e, _ in e.label == "dossier-guided" })
            Thread.sleep(forTimeInterval: 0.5)
            let now = readTrace(trace)
            for name in ["fires", "share", "guided", "wants", "photos"] {
                let p = try XCTUnwrap(now.first { $0.label == "dossier-\(name)" }, "\(size): no \(name) panel")
                XCTAssertGreaterThan(min(p.w, p.h), 120, "\(size): the \(name) panel is too small: \(p.rect)")
            }
            XCTAssertNotNil(now.first { $0.kind == "button" && $0.label == "Close" }, "\(size)")
            let shot = FileManager.default.temporaryDirectory.appendingPathComponent("dossier-\(UUID()).png").path
            defer { try? FileManager.default.removeItem(atPath: shot) }
            _ = try tool(["import", "-window", "root", shot])
            let screen = try ImageFile.load(path: shot)
            // Guided backprop's picture sits around mid-gray with the photo's edges in it; the share panel is the photo
            // in gray under red and blue; neither is an empty box.
            let guided = levels(screen, panels)
            XCTAssertEqual(guided.mean, 128, accuracy: 25, "\(size): guided backprop panel \(guided)")
            XCTAssertGreaterThan(guided.spread, 8, "\(size): guided backprop panel is flat \(guided)")
            let share = levels(screen, try XCTUnwrap(now.first { $0.label == "dossier-share" }))
            XCTAssertGreaterThan(share.spread, 20, "\(size): the share panel is flat \(share)")
            let wants = levels(screen, try XCTUnwrap(now.first { $0.label == "dossier-wants" }))
            XCTAssertGreaterThan(wants.spread, 20, "\(size): the filter image panel is flat \(wants)")
            // Esc closes it.
            _ = try tool(["xdotool", "key", "Escape"])
            XCTAssertNotNil(
                waitForEntry(trace, seconds: 5) { e, _ in e.kind == "state" && e.value.hasSuffix("enlarged=") })
            app.terminate()
            app.waitUntilExit()
        }
    }

    func testContributionOrder_FollowsTheEngineAndDownPagesInIt() throws {
        let exports = FileManager.default.temporaryDirectory.appendingPathComponent("dossier-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: exports) }
        let (app, out, trace) = try start(size: "1280x800", extra: ["--export-dir", exports])
        defer { app.terminate() }
        let t = readTrace(trace)
        let order = try XCTUnwrap(t.first { $0.kind == "selectable" && $0.label == "contribution" }, "\(t)")
        let before = state(trace)["order"]
        try click(order)
        XCTAssertTrue(waitFor("contributions: block3_conv2 class", in: out, seconds: 20), out.value)
        let line = try XCTUnwrap(out.value.split(separator: "\n").last { $0.hasPrefix("contributions: block3_conv2") })
        let top = String(try XCTUnwrap(line.components(separatedBy: " top ").last))
        XCTAssertNotNil(
            waitForEntry(trace, seconds: 5) { e, _ in e.kind == "state" && e.value.contains("order=\(top) ") },
            "the grid's order is the engine's ranking \(top): \(state(trace)), before \(before ?? "")")
        XCTAssertNotEqual(before, top, "the test image's ranking happens to be the index order: pick another layer")
        // The first tile is the top channel; its dossier opens, and ↓ steps to the second in the ranking.
        let layerPane = try XCTUnwrap(t.first { $0.kind == "pane" && $0.label == "layer" })
        let first = try XCTUnwrap(readTrace(trace).first { $0.kind == "imageButton" && layerPane.contains($0) })
        try click(first)
        let ranked = top.split(separator: ",").map(String.init)
        XCTAssertTrue(waitFor("guided backprop: block3_conv2 channel \(ranked[0]) in", in: out, seconds: 20), out.value)
        _ = try tool(["xdotool", "key", "Down"])
        XCTAssertTrue(waitFor("guided backprop: block3_conv2 channel \(ranked[1]) in", in: out, seconds: 20), out.value)
        XCTAssertEqual(state(trace)["enlarged"], ranked[1])
        // E exports the dossier: its four panels side by side (the filter image once grown), over a caption.
        XCTAssertTrue(
            waitFor("filters: block3_conv2 filter \(ranked[1]) for the dossier", in: out, seconds: 60), out.value)
        Thread.sleep(forTimeInterval: 0.3)
        _ = try tool(["xdotool", "key", "e"])
        XCTAssertTrue(waitFor("exported: ", in: out, seconds: 20), out.value)
        let folder = exports + "/chelsea"
        let files = try FileManager.default.contentsOfDirectory(atPath: folder)
        let file = try XCTUnwrap(
            files.first { $0.hasPrefix("chelsea_block3_conv2_channel\(ranked[1])_dossier") }, "\(files)")
        let png = try ImageFile.load(path: folder + "/" + file)
        XCTAssertEqual(png.width, 4 * 224 + 3 * 8)
        XCTAssertGreaterThan(png.height, 224)
    }

    func testIndexButton_IndexesThePhotosFolderAndACropOpensItsPhoto() throws {
        let (folder, cache) = try photoFolder([
            ("chelsea.png", "cat.png"), ("readme/window.png", "window.png"), ("readme/models.png", "models.png"),
        ])
        defer {
            try? FileManager.default.removeItem(at: folder)
            try? FileManager.default.removeItem(at: cache)
        }
        try Data("not a photo".utf8).write(to: folder.appendingPathComponent("notes.jpg"))
        let cat = folder.appendingPathComponent("cat.png").path
        let (app, out, trace) = try start(
            size: "1024x700", extra: [cat], environment: ["XDG_CACHE_HOME": cache.path])
        defer { app.terminate() }
        XCTAssertTrue(waitFor("analysed: cat.png", in: out, seconds: 30), out.value)
        let t = readTrace(trace)
        let layerPane = try XCTUnwrap(t.first { $0.kind == "pane" && $0.label == "layer" })
        try click(try XCTUnwrap(t.first { $0.kind == "imageButton" && layerPane.contains($0) }))
        let offer = try XCTUnwrap(
            waitForEntry(trace, seconds: 10) { e, _ in e.kind == "button" && e.label.hasPrefix("Index dossier-") },
            "no offer to index the photo's folder")
        try click(offer)
        XCTAssertTrue(waitFor("indexed: 3 photos of", in: out, seconds: 60), out.value)
        XCTAssertTrue(out.value.contains("1 files skipped"), out.value)
        XCTAssertTrue(waitFor("crops: block3_conv2 channel 0: 3", in: out, seconds: 20), out.value)
        let photos = try XCTUnwrap(waitForEntry(trace, seconds: 5) { e, _ in e.label == "dossier-photos" })
        _ = try XCTUnwrap(
            waitForEntry(trace, seconds: 5) { e, all in
                e.kind == "imageButton" && photos.contains(e)
                    && all.filter { photos.contains($0) && $0.kind == "imageButton" }.count == 3
            }, "three crops in the dossier's column")
        // The index is kept: the file exists under the cache, named by the model's SHA-256.
        let saved = FileManager.default.enumerator(atPath: cache.path)?.compactMap { $0 as? String } ?? []
        XCTAssertTrue(saved.contains { $0.hasSuffix(".csindex") }, "\(saved)")
        // The crops lie inside the column, apart from each other and from its buttons (1024×700 is the tightest).
        let column = readTrace(trace).filter { photos.contains($0) && $0.kind != "pane" }
        for (i, a) in column.enumerated() {
            for b in column[(i + 1)...] where a.overlaps(b) {
                XCTFail("\(a.label) \(a.rect) overlaps \(b.label) \(b.rect)")
            }
        }
        // Each crop opens its photo, and the dossier stays on the channel: one of them is another photo than cat.png.
        let cropButtons = column.filter { $0.kind == "imageButton" }
        for (n, crop) in cropButtons.enumerated() {
            let before = out.value.components(separatedBy: "guided backprop: block3_conv2 channel 0 in").count
            try click(crop)
            let deadline = Date().addingTimeInterval(15)
            while out.value.components(separatedBy: "analysed: ").count < 3 + n && Date() < deadline {
                Thread.sleep(forTimeInterval: 0.1)
            }
            XCTAssertEqual(
                out.value.components(separatedBy: "analysed: ").count, 3 + n, "crop \(n) opened: \(out.value)")
            XCTAssertNotNil(
                waitForEntry(trace, seconds: 5) { e, _ in e.kind == "state" && e.value.hasSuffix("enlarged=0") },
                "the dossier stays on channel 0")
            let deadline2 = Date().addingTimeInterval(10)
            while out.value.components(separatedBy: "guided backprop: block3_conv2 channel 0 in").count == before
                && Date() < deadline2
            { Thread.sleep(forTimeInterval: 0.1) }
            XCTAssertGreaterThan(
                out.value.components(separatedBy: "guided backprop: block3_conv2 channel 0 in").count, before,
                "the dossier is computed again for the photo opened")
        }
        XCTAssertTrue(
            out.value.contains("analysed: window.png") || out.value.contains("analysed: models.png"), out.value)
    }

    func testSavedIndex_MadeOnTheCommandLine_FillsTheDossier() throws {
        let (folder, cache) = try photoFolder([("chelsea.png", "a.png"), ("readme/window.png", "b.png")])
        defer {
            try? FileManager.default.removeItem(at: folder)
            try? FileManager.default.removeItem(at: cache)
        }
        let vgg19 = Fixtures.repo
            .appendingPathComponent("Tests/Models/vgg19_keras/vgg19_weights_tf_dim_ordering_tf_kernels.h5").path
        let cli = Process()
        cli.executableURL = Fixtures.convscope
        cli.arguments = ["index", folder.path, "--weights", vgg19]
        cli.environment = ProcessInfo.processInfo.environment.merging(["XDG_CACHE_HOME": cache.path]) { $1 }
        cli.standardError = FileHandle.nullDevice
        cli.standardOutput = FileHandle.nullDevice
        try cli.run()
        cli.waitUntilExit()
        XCTAssertEqual(cli.terminationStatus, 0)
        // The window was never told of the folder: the newest index saved for its model is used when a dossier opens.
        let (app, out, trace) = try start(size: "1280x800", environment: ["XDG_CACHE_HOME": cache.path])
        defer { app.terminate() }
        let t = readTrace(trace)
        let layerPane = try XCTUnwrap(t.first { $0.kind == "pane" && $0.label == "layer" })
        try click(try XCTUnwrap(t.first { $0.kind == "imageButton" && layerPane.contains($0) }))
        XCTAssertTrue(
            waitFor("index loaded: \(folder.resolvingSymlinksInPath().path) (2 photos)", in: out, seconds: 30),
            out.value)
        XCTAssertTrue(waitFor("crops: block3_conv2 channel 0: 2", in: out, seconds: 20), out.value)
    }
}
