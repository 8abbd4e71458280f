import Foundation
import XCTest

/// The window with models other than VGG16, as a person uses it: VGG19's 21 stops walked with the arrow keys, then
/// a fine-tuned Keras model dragged onto the window with a real XDND drag, which reloads it with its own layers,
/// input size and labels.
final class WindowModelTests: XCTestCase {
    private static let models = Fixtures.repo.appendingPathComponent("Tests/Models")

    func testWindow_VGG19WalksAll21Layers_DroppedKerasModelReplacesIt() throws {
        guard let display = ProcessInfo.processInfo.environment["DISPLAY"], !display.isEmpty else {
            throw XCTSkip("no X display: Scripts/test runs this under xvfb-run")
        }
        let vgg19 = Self.models.appendingPathComponent("vgg19_keras/vgg19_weights_tf_dim_ordering_tf_kernels.h5").path
        let (app, out) = try launch(["--weights", vgg19])
        defer { if app.isRunning { app.terminate() } }
        XCTAssertTrue(
            waitFor("weights: vgg19_weights_tf_dim_ordering_tf_kernels.h5 (VGG19, 1000 classes)", in: out, seconds: 60),
            out.value)
        XCTAssertTrue(waitFor("cam: Grad-CAM at block5_conv4 class", in: out, seconds: 60), out.value)

        let window =
            try tool(["xdotool", "search", "--name", "^ConvScope$"]).split(separator: "\n").first.map(String.init) ?? ""
        XCTAssertFalse(window.isEmpty, "window not found")
        // From block3_conv2 (stop 8) to the last of VGG19's 21 stops: block3_conv3 … block5_conv4, block5_pool.
        let ahead = [
            "block3_conv3", "block3_conv4", "block3_pool", "block4_conv1", "block4_conv2", "block4_conv3",
            "block4_conv4",
            "block4_pool", "block5_conv1", "block5_conv2", "block5_conv3", "block5_conv4", "block5_pool",
        ]
        for layer in ahead {
            XCTAssertTrue(try press("Right", in: window, until: "layer: \(layer)\n", in: out, seconds: 4), out.value)
        }

        // Drag the fine-tuned model from a real drag source onto the window and let go.
        let finetuned = Self.models.appendingPathComponent("vgg16_finetuned/model.keras").path
        let source = try dragSource(finetuned)
        defer { if source.isRunning { source.terminate() } }
        try dragFromSource(over: [(100, 300), (200, 300), (400, 300), (600, 300)])
        _ = try tool(["xdotool", "mousemove", "700", "400"])
        Thread.sleep(forTimeInterval: 0.5)
        _ = try tool(["xdotool", "mouseup", "1"])
        XCTAssertTrue(waitFor("weights: model.keras (flowers, 5 classes)", in: out, seconds: 30), out.value)
        // The image is analysed again through the new model, and Grad-CAM explains one of its own classes.
        XCTAssertTrue(waitFor("cam: Grad-CAM at block5_conv3 class 1", in: out, seconds: 30), out.value)
        _ = try tool(["xdotool", "windowfocus", "--sync", window])
        _ = try tool(["xdotool", "key", "ctrl+q"])
        for _ in 0..<50 where app.isRunning { Thread.sleep(forTimeInterval: 0.1) }
        XCTAssertFalse(app.isRunning, "Ctrl+Q quits")
    }

    /// A file dragged over the window shows the drop hint before it lands (XDND through SDL_SYSWMEVENT), and a drag
    /// that leaves again drops nothing.
    func testDragOver_ShowsTheDropHint_LeavingDropsNothing() throws {
        guard let display = ProcessInfo.processInfo.environment["DISPLAY"], !display.isEmpty else {
            throw XCTSkip("no X display: Scripts/test runs this under xvfb-run")
        }
        let trace = FileManager.default.temporaryDirectory.appendingPathComponent(
            "convscope-trace-\(UUID().uuidString).json"
        ).path
        let finetuned = Self.models.appendingPathComponent("vgg16_finetuned/model.keras").path
        let (app, out) = try launch(["--weights", finetuned], environment: ["CONVSCOPE_UI_TRACE": trace])
        defer { if app.isRunning { app.terminate() } }
        XCTAssertTrue(waitFor("cam: Grad-CAM at block5_conv3 class", in: out, seconds: 60), out.value)
        let window = try windowAtOrigin()
        _ = try tool(["xdotool", "windowmove", "--sync", window, "300", "200"])
        let source = try dragSource(
            Fixtures.repo.appendingPathComponent("Tests/PlatformTests/Fixtures/camera.png").path)
        defer { if source.isRunning { source.terminate() } }
        try dragFromSource(over: [(100, 500), (300, 500), (500, 500), (700, 500)])
        XCTAssertNotNil(
            waitForEntry(trace, seconds: 5) { e, _ in e.kind == "state" && e.value.contains("dropHover=true") },
            "the window shows the drop hint while a file is over it")
        _ = try tool(["xdotool", "mousemove", "60", "40"])
        Thread.sleep(forTimeInterval: 0.5)
        _ = try tool(["xdotool", "mousemove", "40", "30", "mouseup", "1"])
        XCTAssertNotNil(
            waitForEntry(trace, seconds: 5) { e, _ in e.kind == "state" && e.value.contains("dropHover=false") })
        Thread.sleep(forTimeInterval: 1)
        XCTAssertFalse(out.value.contains("camera.png"), "nothing was dropped: \(out.value)")
    }
}
