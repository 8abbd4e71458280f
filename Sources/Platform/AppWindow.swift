import CSDL2
import Foundation
import ImmediateUI
import Raster

/// The app window: a resizable, HiDPI-aware SDL window with an accelerated vsync renderer, or SDL's software
/// renderer when there is no GPU (`RendererChoice`: a VM, a container, Xvfb), plus the fonts and canvas that draw
/// into it.
///
/// Conventions: `size` and every position in snapshots are logical points (SDL window coordinates); the drawable is
/// `size * scale` pixels, and `canvas` multiplies DrawCommand coordinates by `scale`. SDL needs all of this on the
/// main thread. SDL_RENDER_DRIVER in the environment (software, opengl, …) overrides the choice.
public final class AppWindow {
    public let fonts: FontSet
    public let canvas: SDLCanvas
    /// Pixels per logical point (drawable size / window size); 1 on X11, 2 on a typical HiDPI Wayland/macOS screen.
    public private(set) var scale: Float = 1
    /// Window size in logical points.
    public private(set) var size = Vec2(0, 0)
    /// The SDL render driver in use ("opengl", "software", …).
    public let rendererName: String
    /// The SDL video driver in use ("x11", "wayland", …).
    public let videoDriver: String
    /// Minimum window size in logical points.
    public static let minimumSize = (width: 1024, height: 700)

    private let window: OpaquePointer
    private let renderer: OpaquePointer
    private var input = EventTranslator()

    public init(title: String, width: Int, height: Int) throws {
        SDL_SetHint(SDL_HINT_RENDER_SCALE_QUALITY, "1")
        SDL_SetHint(SDL_HINT_VIDEO_X11_NET_WM_BYPASS_COMPOSITOR, "0")
        SDL_SetHint(SDL_HINT_MOUSE_FOCUS_CLICKTHROUGH, "1")
        // SDL 2.26 silently falls back to its invisible "offscreen" driver when there is no display, so check first.
        let env = ProcessInfo.processInfo.environment
        let requested = env["SDL_VIDEODRIVER"].flatMap { $0.isEmpty ? nil : $0 }
        if (env["DISPLAY"] ?? "").isEmpty && (env["WAYLAND_DISPLAY"] ?? "").isEmpty && requested == nil {
            throw PlatformError.noDisplay
        }
        // libwayland prints "XDG_RUNTIME_DIR is invalid" while SDL probes drivers; failures are reported below instead.
        if withQuietStderr({ SDL_InitSubSystem(SDL_INIT_VIDEO) }) != 0 {
            throw PlatformError.videoInit(String(cString: SDL_GetError()))
        }
        let driver = SDL_GetCurrentVideoDriver().map { String(cString: $0) } ?? ""
        if ["offscreen", "dummy"].contains(driver) && requested?.lowercased() != driver {
            SDL_QuitSubSystem(SDL_INIT_VIDEO)
            let shown = [("DISPLAY", env["DISPLAY"]), ("WAYLAND_DISPLAY", env["WAYLAND_DISPLAY"])]
                .compactMap { name, value in value.flatMap { $0.isEmpty ? nil : "\(name)=\($0)" } }.joined(
                    separator: ", ")
            throw PlatformError.videoInit("could not connect to the display (\(shown))")
        }
        videoDriver = driver
        // X11 only: SDL's Wayland driver has no window framebuffer, so its software renderer needs the GL-backed one.
        if driver == "x11" { RendererChoice.applyHints() }
        var ok = false
        defer { if !ok { SDL_QuitSubSystem(SDL_INIT_VIDEO) } }

        // Fit the first display's usable area (a 1366×768 laptop), but never below the minimum size.
        var w = width
        var h = height
        var usable = SDL_Rect()
        if SDL_GetDisplayUsableBounds(0, &usable) == 0, usable.w > 0, usable.h > 0 {
            w = min(w, Int(usable.w))
            h = min(h, Int(usable.h))
        }
        w = max(w, AppWindow.minimumSize.width)
        h = max(h, AppWindow.minimumSize.height)
        let flags = SDL_WINDOW_RESIZABLE.rawValue | SDL_WINDOW_ALLOW_HIGHDPI.rawValue | SDL_WINDOW_HIDDEN.rawValue
        let centered = Int32(bitPattern: SDL_WINDOWPOS_CENTERED_MASK)
        guard let win = SDL_CreateWindow(title, centered, centered, Int32(w), Int32(h), flags) else {
            throw PlatformError.windowFailed(String(cString: SDL_GetError()))
        }
        var rend = SDL_CreateRenderer(win, -1, SDL_RENDERER_ACCELERATED.rawValue | SDL_RENDERER_PRESENTVSYNC.rawValue)
        if rend == nil { rend = SDL_CreateRenderer(win, -1, SDL_RENDERER_SOFTWARE.rawValue) }
        guard let r = rend else {
            let e = String(cString: SDL_GetError())
            SDL_DestroyWindow(win)
            throw PlatformError.rendererFailed(e)
        }
        var info = SDL_RendererInfo()
        rendererName = SDL_GetRendererInfo(r, &info) == 0 && info.name != nil ? String(cString: info.name) : "unknown"

        SDL_SetWindowMinimumSize(win, Int32(AppWindow.minimumSize.width), Int32(AppWindow.minimumSize.height))
        SDL_EventState(SDL_DROPFILE.rawValue, SDL_ENABLE)
        SDL_EventState(SDL_DROPBEGIN.rawValue, SDL_ENABLE)
        SDL_EventState(SDL_DROPCOMPLETE.rawValue, SDL_ENABLE)
        SDL_StartTextInput()

        window = win
        renderer = r
        let s = AppWindow.measureScale(win, r)
        do { fonts = try FontSet(scale: s) } catch {
            SDL_DestroyRenderer(r)
            SDL_DestroyWindow(win)
            throw error
        }
        canvas = SDLCanvas(renderer: r, fonts: fonts, scale: s)
        scale = s
        size = AppWindow.windowSize(win)
        var mx: Int32 = 0
        var my: Int32 = 0
        if SDL_GetMouseFocus() == win {
            SDL_GetMouseState(&mx, &my)
            input.mouse = Vec2(Float(mx), Float(my))
        }
        _ = SDL_EventState(UInt32(SDL_SYSWMEVENT.rawValue), SDL_ENABLE)  // X11's XDND messages: feedback while dragging
        SDL_ShowWindow(win)
        ok = true
    }

    deinit {
        SDL_StopTextInput()
        canvas.detach()
        SDL_DestroyRenderer(renderer)
        SDL_DestroyWindow(window)
        SDL_QuitSubSystem(SDL_INIT_VIDEO)
    }

    /// Drains SDL's queue without blocking (or, when `timeoutMs` > 0, first waits up to that long for an event) and
    /// returns this frame's snapshot and the other events, in arrival order.
    public func poll(timeoutMs: Int = 0) -> (InputSnapshot, [PlatformEvent]) {
        input.beginFrame()
        var e = SDL_Event()
        if timeoutMs > 0, SDL_WaitEventTimeout(&e, Int32(clamping: timeoutMs)) == 1 { handle(&e) }
        while SDL_PollEvent(&e) == 1 { handle(&e) }
        if input.events.contains(.windowResized) { refreshGeometry() }
        input.modifiers = EventTranslator.modifiers(UInt32(SDL_GetModState().rawValue))
        return (input.snapshot(windowSize: size, scale: scale), input.events)
    }

    /// Wakes a `poll` waiting for events, from any thread (background work has something for the window).
    public static func wake() {
        var e = SDL_Event()
        e.type = SDL_USEREVENT.rawValue
        _ = SDL_PushEvent(&e)
    }

    /// Shows what the canvas drew (SDL_RenderPresent; waits for vsync on accelerated renderers).
    public func present() { SDL_RenderPresent(renderer) }

    public func setTitle(_ s: String) { SDL_SetWindowTitle(window, s) }

    /// Asks for a new size in logical points (at least `minimumSize`); `poll` reports `.windowResized` when it happens.
    public func setSize(width: Int, height: Int) {
        SDL_SetWindowSize(
            window, Int32(clamping: max(width, AppWindow.minimumSize.width)),
            Int32(clamping: max(height, AppWindow.minimumSize.height)))
    }

    /// What has been drawn since the last `present()`, in pixels (`size * scale`); call it before `present()`.
    public func readPixels() -> RGBAImage? {
        var w: Int32 = 0
        var h: Int32 = 0
        guard SDL_GetRendererOutputSize(renderer, &w, &h) == 0, w > 0, h > 0 else { return nil }
        var pixels = [UInt8](repeating: 0, count: Int(w) * Int(h) * 4)
        let ok = pixels.withUnsafeMutableBytes {
            SDL_RenderReadPixels(renderer, nil, SDL_PIXELFORMAT_RGBA32.rawValue, $0.baseAddress, w * 4) == 0
        }
        return ok ? RGBAImage(width: Int(w), height: Int(h), pixels: pixels) : nil
    }

    private func handle(_ e: inout SDL_Event) {
        switch SDL_EventType(e.type) {
        case SDL_RENDER_DEVICE_RESET, SDL_RENDER_TARGETS_RESET:
            canvas.releaseTextures()
        case SDL_WINDOWEVENT where SDL_WindowEventID(UInt32(e.window.event)) == SDL_WINDOWEVENT_DISPLAY_CHANGED:
            refreshGeometry()
        default:
            break
        }
        input.handle(&e)
    }

    /// Re-reads the window size and scale; reopens the fonts if the scale changed.
    private func refreshGeometry() {
        size = AppWindow.windowSize(window)
        let s = AppWindow.measureScale(window, renderer)
        guard s != scale else { return }
        if (try? fonts.setScale(s)) != nil {
            scale = s
            canvas.scale = s
        }
    }

    private static func windowSize(_ w: OpaquePointer) -> Vec2 {
        var ww: Int32 = 0
        var wh: Int32 = 0
        SDL_GetWindowSize(w, &ww, &wh)
        return Vec2(Float(ww), Float(wh))
    }

    private static func measureScale(_ w: OpaquePointer, _ r: OpaquePointer) -> Float {
        var ww: Int32 = 0
        var wh: Int32 = 0
        var pw: Int32 = 0
        var ph: Int32 = 0
        SDL_GetWindowSize(w, &ww, &wh)
        guard SDL_GetRendererOutputSize(r, &pw, &ph) == 0, ww > 0, pw > 0 else { return 1 }
        let s = Float(pw) / Float(ww)
        return s.isFinite && s > 0 ? (s * 100).rounded() / 100 : 1
    }
}
