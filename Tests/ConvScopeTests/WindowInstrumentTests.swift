import Foundation
import XCTest

/// The window used as a person uses it, found through its UI trace: sliders dragged with the mouse, the pager,
/// the layout at four window sizes, and an idle window that costs nothing.
final class WindowInstrumentTests: XCTestCase {
    private func start(
        size: String = "1280x800", extra: [String] = [], environment: [String: String] = [:]
    ) throws
        -> (Process, AppOutput, String, String)
    {
        guard let display = ProcessInfo.processInfo.environment["DISPLAY"], !display.isEmpty else {
            throw XCTSkip("no X display: Scripts/test runs this under xvfb-run")
        }
        let trace = FileManager.default.temporaryDirectory.appendingPathComponent(
            "convscope-trace-\(UUID().uuidString).json"
        ).path
        let vgg19 = Fixtures.repo.appendingPathComponent(
            "Tests/Models/vgg19_keras/vgg19_weights_tf_dim_ordering_tf_kernels.h5"
        ).path
        let (app, out) = try launch(
            ["--weights", vgg19, "--size", size] + extra,
            environment: environment.merging(["CONVSCOPE_UI_TRACE": trace]) { $1 })
        XCTAssertTrue(waitFor("cam: Grad-CAM at block5_conv4 class", in: out, seconds: 60), out.value)
        Thread.sleep(forTimeInterval: 0.5)
        let window =
            try tool(["xdotool", "search", "--name", "^ConvScope$"]).split(separator: "\n").first.map(String.init) ?? ""
        XCTAssertFalse(window.isEmpty, "window not found")
        _ = try tool(["xdotool", "windowmove", "--sync", window, "0", "0"])
        _ = try tool(["xdotool", "windowfocus", "--sync", window])
        return (app, out, trace, window)
    }

    private func pane(_ name: String, _ t: [TraceEntry]) -> TraceEntry? {
        t.first { $0.kind == "pane" && $0.label == name }
    }

    /// Drags with the mouse from `from` to `to` in `steps` moves, as a hand does.
    private func drag(from: (Int, Int), to: (Int, Int), steps: Int) throws {
        _ = try tool(["xdotool", "mousemove", "\(from.0)", "\(from.1)"])
        Thread.sleep(forTimeInterval: 0.1)
        _ = try tool(["xdotool", "mousedown", "1"])
        for i in 1...steps {
            let x = from.0 + (to.0 - from.0) * i / steps
            let y = from.1 + (to.1 - from.1) * i / steps
            _ = try tool(["xdotool", "mousemove", "\(x)", "\(y)"])
            Thread.sleep(forTimeInterval: 0.05)
        }
        _ = try tool(["xdotool", "mouseup", "1"])
        Thread.sleep(forTimeInterval: 0.3)
    }

    func testLayerKnob_DraggedFromFirstToLastStop_PassesThroughLayersAndEndsOnTheLast() throws {
        let (app, out, trace, _) = try start()
        defer { app.terminate() }
        var t = readTrace(trace)
        let layerPane = try XCTUnwrap(pane("layer", t), "\(t)")
        var slider = try XCTUnwrap(t.first { $0.kind == "slider" && layerPane.contains($0) })
        // To the first stop with the keyboard, then grab the knob there and drag it to the far right in 20 moves.
        for _ in 0..<8 { _ = try tool(["xdotool", "key", "Left"]) }
        XCTAssertTrue(waitFor("layer: block1_conv1\n", in: out, seconds: 5), out.value)
        Thread.sleep(forTimeInterval: 0.3)
        t = readTrace(trace)
        slider = try XCTUnwrap(t.first { $0.kind == "slider" && layerPane.contains($0) })
        XCTAssertEqual(slider.label, "block1_conv1")
        let before = out.value.components(separatedBy: "layer: ").count
        try drag(
            from: (Int(slider.x + 6), slider.centre.1), to: (Int(slider.x + slider.w + 40), slider.centre.1 + 30),
            steps: 20)
        let moves = out.value.components(separatedBy: "layer: ").count - before
        XCTAssertGreaterThanOrEqual(moves, 10, "the knob followed the mouse through the layers: \(out.value)")
        XCTAssertTrue(
            out.value.hasSuffix("layer: block5_pool\n") || out.value.contains("layer: block5_pool\n"), out.value)
        let end = try XCTUnwrap(
            waitForEntry(trace, seconds: 3) { e, _ in
                e.kind == "slider" && layerPane.contains(e) && e.label == "block5_pool"
            })
        XCTAssertEqual(end.value, "20")
    }

    func testOpacitySlider_DraggedFrom50To90_EndsAt90() throws {
        let (app, _, trace, _) = try start()
        defer { app.terminate() }
        let t = readTrace(trace)
        let camPane = try XCTUnwrap(pane("cam", t))
        let opacity = try XCTUnwrap(
            t.first { $0.kind == "slider" && camPane.contains($0) && $0.label == "50%" }, "\(t)")
        let knob: Float = 14  // the theme's knob width
        func x(_ f: Float) -> Int { Int(opacity.x + knob / 2 + f * (opacity.w - knob)) }
        try drag(from: (x(0.5), opacity.centre.1), to: (x(0.9), opacity.centre.1 + 20), steps: 20)
        let end = try XCTUnwrap(
            waitForEntry(trace, seconds: 3) { e, _ in
                e.kind == "slider" && camPane.contains(e) && e.label.hasSuffix("%")
            })
        let percent = try XCTUnwrap(Int(end.label.dropLast()))
        XCTAssertLessThanOrEqual(abs(percent - 90), 2, "opacity ends at \(end.label)")
    }

    func testChannelPager_NeverChangesTheGradCAMLayer() throws {
        let (app, out, trace, _) = try start()
        defer { app.terminate() }
        // block5_conv1 has 32 channels in the test VGG19; go to a layer with more than one page is not possible, so page on
        // any layer: the pager must not touch Grad-CAM.
        let t = readTrace(trace)
        let layerPane = try XCTUnwrap(pane("layer", t))
        let camBefore = try XCTUnwrap(t.first { $0.kind == "state" }).value
        let next = try XCTUnwrap(t.first { $0.kind == "button" && $0.label == "›" && layerPane.contains($0) }, "\(t)")
        let previous = try XCTUnwrap(t.first { $0.kind == "button" && $0.label == "‹" && layerPane.contains($0) })
        let gradcams = out.value.components(separatedBy: "cam: ").count
        for button in [next, previous, next, previous] {
            _ = try tool(["xdotool", "mousemove", "\(button.centre.0)", "\(button.centre.1)", "click", "1"])
            Thread.sleep(forTimeInterval: 0.3)
        }
        XCTAssertEqual(
            out.value.components(separatedBy: "cam: ").count, gradcams, "no Grad-CAM was asked for: \(out.value)")
        XCTAssertEqual(readTrace(trace).first { $0.kind == "state" }?.value, camBefore)
    }

    func testLayout_AtFourSizes_NoControlOverlapsAnotherOrLeavesItsPane() throws {
        for size in ["1024x700", "1280x800", "1920x1080", "2560x1440"] {
            let (app, _, trace, _) = try start(size: size)
            defer { app.terminate() }
            let t = readTrace(trace)
            let panes = t.filter { $0.kind == "pane" }
            // A tooltip floats over the widgets by design (one shows if the pointer rests on a tile).
            let widgets = t.filter { !["pane", "state", "heading", "tooltip"].contains($0.kind) }
            XCTAssertEqual(panes.count, 5, "\(size): \(t)")
            XCTAssertGreaterThan(widgets.count, 20, size)
            // The layer slider's pool marks and their names (checked with every other widget below: a name must not
            // run into its mark).
            let ticks = t.filter { $0.kind == "tick" }.map(\.label)
            XCTAssertEqual(ticks.filter { $0.hasSuffix(" mark") }.count, 5, "\(size): \(ticks)")
            XCTAssertEqual(ticks.filter { !$0.hasSuffix(" mark") }, (1...5).map { "pool\($0)" }, size)
            // Each pane's heading (the layer pane's: "Layer 8 of 21: block3_conv2 · 56×56×256") keeps the pane's
            // 12-point margin, shortened if need be, instead of running into the pane's edge.
            let headings = t.filter { $0.kind == "heading" }
            XCTAssertEqual(headings.count, 3, size)
            for h in headings {
                let p = try XCTUnwrap(
                    panes.first { $0.contains(h) }, "\(size): heading \"\(h.label)\" outside the panes")
                XCTAssertLessThanOrEqual(h.x + h.w, p.x + p.w - 11.5, "\(size): heading \"\(h.label)\" in no margin")
            }
            let dims = size.split(separator: "x").compactMap { Float($0) }
            for p in panes {
                XCTAssertLessThanOrEqual(p.x + p.w, dims[0] + 0.5, "\(size): pane \(p.label) leaves the window")
            }
            for w in widgets {
                XCTAssertTrue(
                    panes.contains { $0.contains(w) },
                    "\(size): \(w.kind) \"\(w.label)\" \(w.rect) is outside every pane")
            }
            for (i, a) in widgets.enumerated() {
                for b in widgets[(i + 1)...] where a.overlaps(b) {
                    XCTFail("\(size): \(a.kind) \"\(a.label)\" \(a.rect) overlaps \(b.kind) \"\(b.label)\" \(b.rect)")
                }
            }
            app.terminate()
            app.waitUntilExit()
        }
    }

    func testIdleWindow_UsesUnderTwoPercentOfACore() throws {
        let (app, _, _, _) = try start()
        defer { app.terminate() }
        Thread.sleep(forTimeInterval: 5)
        func cpuSeconds() throws -> Double {
            let stat = try String(contentsOfFile: "/proc/\(app.processIdentifier)/stat", encoding: .utf8)
            let fields = stat[stat.index(after: stat.lastIndex(of: ")")!)...].split(separator: " ")
            return (Double(fields[11])! + Double(fields[12])!) / Double(sysconf(Int32(_SC_CLK_TCK)))
        }
        let a = try cpuSeconds()
        Thread.sleep(forTimeInterval: 10)
        let used = try cpuSeconds() - a
        print("idle window: \(used) s of CPU in 10 s")
        XCTAssertLessThan(used / 10, 0.02, "idle CPU \(used * 10)% of a core")
    }

    func testCtrlO_WithZenity_OpensThePhotoChosen() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/zenity") else {
            throw XCTSkip("zenity is not installed (Scripts/setup installs it)")
        }
        let (app, out, _, window) = try start()
        defer { app.terminate() }
        _ = try tool(["xdotool", "windowfocus", "--sync", window])
        _ = try tool(["xdotool", "key", "ctrl+o"])
        XCTAssertTrue(waitFor("chooser: open", in: out, seconds: 5), out.value)
        var chooser = ""
        for _ in 0..<50 where chooser.isEmpty {
            chooser =
                try tool(["xdotool", "search", "--name", "Open an image or a model"]).split(separator: "\n").first.map(
                    String.init) ?? ""
            Thread.sleep(forTimeInterval: 0.2)
        }
        XCTAssertFalse(chooser.isEmpty, "zenity's file chooser did not open")
        let photo = Fixtures.repo.appendingPathComponent("Tests/PlatformTests/Fixtures/camera.png").path
        _ = try tool(["xdotool", "windowfocus", "--sync", chooser])
        _ = try tool(["xdotool", "type", "--delay", "30", photo])
        Thread.sleep(forTimeInterval: 0.5)
        _ = try tool(["xdotool", "key", "Return"])
        XCTAssertTrue(waitFor("analysed: camera.png", in: out, seconds: 20), out.value)
    }

    /// Where the desktop portal runs, Ctrl+O opens its file chooser: here a stand-in portal on the test's own session
    /// bus answers with a photo, as the real one does after the person picks it.
    func testCtrlO_WithTheDesktopPortal_OpensThePhotoItReturns() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/dbus-daemon") else {
            throw XCTSkip("dbus-daemon is not installed")
        }
        let bus = Process()
        let busOut = Pipe()
        bus.executableURL = URL(fileURLWithPath: "/usr/bin/dbus-daemon")
        bus.arguments = ["--session", "--nofork", "--print-address"]
        bus.standardOutput = busOut
        try bus.run()
        defer { bus.terminate() }
        var address = ""
        for _ in 0..<50 where address.isEmpty {
            address = String(decoding: busOut.fileHandleForReading.availableData, as: UTF8.self).trimmingCharacters(
                in: .whitespacesAndNewlines)
        }
        XCTAssertFalse(address.isEmpty, "dbus-daemon gave no address")
        let photo = Fixtures.repo.appendingPathComponent("Tests/PlatformTests/Fixtures/camera.png").path
        let portal = Process()
        let portalOut = AppOutput()
        let pipe = Pipe()
        portal.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        portal.arguments = [Fixtures.repo.appendingPathComponent("Tests/Tools/fake_portal.py").path, photo]
        portal.environment = ProcessInfo.processInfo.environment.merging(["DBUS_SESSION_BUS_ADDRESS": address]) { $1 }
        portal.standardOutput = pipe
        pipe.fileHandleForReading.readabilityHandler = {
            portalOut.append(String(decoding: $0.availableData, as: UTF8.self))
        }
        try portal.run()
        defer { portal.terminate() }
        XCTAssertTrue(waitFor("portal: ready", in: portalOut, seconds: 10), portalOut.value)
        let (app, out, _, window) = try start(environment: ["DBUS_SESSION_BUS_ADDRESS": address])
        defer { app.terminate() }
        _ = try tool(["xdotool", "windowfocus", "--sync", window])
        _ = try tool(["xdotool", "key", "ctrl+o"])
        XCTAssertTrue(waitFor("portal: OpenFile", in: portalOut, seconds: 10), portalOut.value)
        XCTAssertTrue(waitFor("analysed: camera.png", in: out, seconds: 20), out.value)
    }

    func testExportOnAFullDisk_SaysSoAndLeavesNoFile() throws {
        let mount = FileManager.default.temporaryDirectory.appendingPathComponent("convscope-full-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: mount, withIntermediateDirectories: true)
        _ = try tool(["mount", "-t", "tmpfs", "-o", "size=200k", "tmpfs", mount])
        defer {
            _ = try? tool(["umount", mount])
            try? FileManager.default.removeItem(atPath: mount)
        }
        guard (try? tool(["findmnt", "-n", mount]))?.isEmpty == false else {
            throw XCTSkip("cannot mount a tmpfs here (needs root)")
        }
        // Fill it nearly up, then export the input photo (a 451×300 PNG, more than what is left).
        FileManager.default.createFile(atPath: mount + "/filler", contents: Data(count: 190 * 1024))
        let (app, out, _, window) = try start(extra: ["--export-dir", mount])
        defer { app.terminate() }
        _ = try tool(["xdotool", "windowfocus", "--sync", window])
        _ = try tool(["xdotool", "key", "e"])
        XCTAssertTrue(waitFor("error: export failed", in: out, seconds: 15), out.value)
        XCTAssertTrue(out.value.contains("disk is full"), out.value)
        let left = (FileManager.default.enumerator(atPath: mount)?.allObjects as? [String] ?? []).filter {
            $0.hasSuffix(".png") || $0.contains(".tmp")
        }
        XCTAssertEqual(left, [], "no partial file is left")
    }
}
