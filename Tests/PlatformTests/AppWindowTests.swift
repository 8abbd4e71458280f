import CSDL2
import Foundation
import ImmediateUI
import Platform
import XCTest

/// Opens a real window; runs only with a display (CI: `xvfb-run -a swift test --filter PlatformTests`).
final class AppWindowTests: XCTestCase {
    override func setUpWithError() throws {
        let env = ProcessInfo.processInfo.environment
        if (env["DISPLAY"] ?? "").isEmpty && (env["WAYLAND_DISPLAY"] ?? "").isEmpty {
            throw XCTSkip(
                "no DISPLAY or WAYLAND_DISPLAY: AppWindow needs a display; run under xvfb-run -a to include it")
        }
    }

    func testAppWindow_OpensDrawsAndPollsUnderADisplay() throws {
        let window = try AppWindow(title: "ConvScope test", width: 1100, height: 720)
        XCTAssertEqual(window.size.x, 1100)
        XCTAssertEqual(window.size.y, 720)
        XCTAssertGreaterThanOrEqual(window.scale, 1)
        XCTAssertGreaterThan(window.fonts.size(of: "conv1_1", role: .body).x, 10)
        window.setTitle("ConvScope test — frame 1")

        // Let the window manager / X server settle, then check a quiet frame has no edges.
        for _ in 0..<5 { _ = window.poll(timeoutMs: 20) }
        let (idle, _) = window.poll()
        XCTAssertEqual(idle.windowSize, window.size)
        XCTAssertEqual(idle.scale, window.scale)
        XCTAssertEqual(idle.mousePressed, [])

        print("AppWindowTests: renderer \(window.rendererName), scale \(window.scale)")
        window.canvas.draw(
            [
                .rect(Rect(10, 10, 100, 50), Color(76, 141, 255)),
                .text("Hello", origin: Vec2(20, 20), .white, .body),
            ], clear: Color(17, 18, 21))
        let shot = try XCTUnwrap(window.readPixels())
        XCTAssertEqual(shot.width, Int(window.size.x * window.scale))
        let s = Int(window.scale)
        XCTAssertEqual(shot.rgba(15 * s, 55 * s), [76, 141, 255, 255])
        XCTAssertEqual(shot.rgba(5 * s, 5 * s), [17, 18, 21, 255])
        XCTAssertGreaterThan(
            shot.countDifferent(from: Color(76, 141, 255), x0: 20 * s, y0: 20 * s, x1: 60 * s, y1: 40 * s), 20)
        window.present()

        // Events pushed into SDL's queue come back through poll in the same frame.
        var down = SDL_Event()
        var up = SDL_Event()
        var quit = SDL_Event()
        down.type = SDL_MOUSEBUTTONDOWN.rawValue
        down.button.button = UInt8(SDL_BUTTON_LEFT)
        down.button.x = 50
        down.button.y = 60
        up = down
        up.type = SDL_MOUSEBUTTONUP.rawValue
        quit.type = SDL_QUIT.rawValue
        XCTAssertEqual(SDL_PushEvent(&down), 1)
        XCTAssertEqual(SDL_PushEvent(&up), 1)
        XCTAssertEqual(SDL_PushEvent(&quit), 1)
        let (click, events) = window.poll(timeoutMs: 100)
        XCTAssertEqual(click.mousePressed, .left)
        XCTAssertEqual(click.mouseReleased, .left)
        XCTAssertEqual(click.mouse, Vec2(50, 60))
        XCTAssertTrue(events.contains(.quit), "\(events)")
    }

    /// A real X11 click from xdotool arrives as press + release at the window-relative position.
    func testAppWindow_RealClickArrivesInWindowCoordinates() throws {
        guard
            let xdotool = ["/usr/bin/xdotool", "/usr/local/bin/xdotool"].first(where: {
                FileManager.default.isExecutableFile(atPath: $0)
            })
        else { throw XCTSkip("xdotool is not installed") }
        let title = "ConvScope click \(ProcessInfo.processInfo.processIdentifier)"
        let window = try AppWindow(title: title, width: 1024, height: 700)
        for _ in 0..<10 {
            _ = window.poll(timeoutMs: 20)
            window.canvas.draw([], clear: .black)
            window.present()
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: xdotool)
        p.arguments = ["search", "--sync", "--name", title, "mousemove", "--window", "%1", "123", "234", "click", "1"]
        try p.run()
        var pressed = false
        var released = false
        var at = Vec2.zero
        let deadline = Date().addingTimeInterval(5)
        while !(pressed && released) && Date() < deadline {
            let (s, _) = window.poll(timeoutMs: 20)
            if s.mousePressed.contains(.left) {
                pressed = true
                at = s.mouse
            }
            if s.mouseReleased.contains(.left) { released = true }
        }
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
        XCTAssertTrue(pressed && released, "the click reached poll()")
        XCTAssertEqual(at, Vec2(123, 234))
    }

    func testAppWindow_ResizeIsReportedAndUpdatesTheSize() throws {
        let window = try AppWindow(title: "ConvScope resize", width: 1024, height: 700)
        for _ in 0..<5 { _ = window.poll(timeoutMs: 20) }
        window.setSize(width: 1200, height: 800)
        var resized = false
        var snapshot = InputSnapshot()
        let deadline = Date().addingTimeInterval(5)
        while !resized && Date() < deadline {
            let (s, events) = window.poll(timeoutMs: 20)
            snapshot = s
            resized = events.contains(.windowResized)
        }
        XCTAssertTrue(resized)
        XCTAssertEqual(window.size, Vec2(1200, 800))
        XCTAssertEqual(snapshot.windowSize, Vec2(1200, 800))
    }

    func testAppWindow_WaitingPollReturnsAfterTheTimeoutWhenIdle() throws {
        let window = try AppWindow(title: "ConvScope idle", width: 1024, height: 700)
        for _ in 0..<5 { _ = window.poll(timeoutMs: 20) }
        let start = Date()
        _ = window.poll(timeoutMs: 50)
        XCTAssertLessThan(Date().timeIntervalSince(start), 2)
    }

    func testAppWindow_WithoutAGPUDrawsWithSDLsSoftwareRendererAndLoadsNoGL() throws {
        let env = ProcessInfo.processInfo.environment
        if RendererChoice.hasRenderNode() || env["SDL_RENDER_DRIVER"] != nil
            || env["SDL_FRAMEBUFFER_ACCELERATION"] != nil
        {
            throw XCTSkip("this machine has a GPU render node, or the environment picks the renderer")
        }
        let window = try AppWindow(title: "ConvScope test", width: 1100, height: 720)
        XCTAssertEqual(window.rendererName, "software")
        window.canvas.draw([.rect(Rect(10, 10, 100, 50), Color(76, 141, 255))], clear: Color(17, 18, 21))
        window.present()
        // Without the framebuffer hint SDL backs the software renderer's window surface with an OpenGL texture, which
        // loads Mesa (llvmpipe and libLLVM, about 95 MiB) all the same.
        let maps = try String(contentsOfFile: "/proc/self/maps", encoding: .utf8)
        XCTAssertFalse(maps.contains("libLLVM"), "libLLVM is mapped")
        XCTAssertFalse(maps.contains("libGLX_mesa") || maps.contains("swrast_dri") || maps.contains("libgallium"))
    }
}
