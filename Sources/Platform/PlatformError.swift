/// Why the window, renderer or fonts could not be set up, said so a person can act on it.
public enum PlatformError: Error, Equatable, CustomStringConvertible {
    /// Neither DISPLAY nor WAYLAND_DISPLAY is set and SDL found no video device.
    case noDisplay
    /// SDL_Init(SDL_INIT_VIDEO) failed for another reason.
    case videoInit(String)
    /// SDL_CreateWindow failed.
    case windowFailed(String)
    /// Neither an accelerated nor a software renderer could be created.
    case rendererFailed(String)
    /// An offscreen surface (`width`×`height` pixels) could not be created.
    case surfaceFailed(width: Int, height: Int, reason: String)
    /// TTF_Init failed.
    case fontEngine(String)
    /// No usable font file for `family` was found.
    case noFont(family: String, tried: [String])

    public var description: String {
        switch self {
        case .noDisplay:
            return "cannot open a window: no display (is DISPLAY set? under CI run it with xvfb-run)"
        case .videoInit(let e):
            return
                "cannot open a window: SDL could not start its video subsystem (\(e)); check DISPLAY / WAYLAND_DISPLAY, or set SDL_VIDEODRIVER=x11"
        case .windowFailed(let e):
            return "cannot open a window: \(e)"
        case .rendererFailed(let e):
            return
                "cannot draw in the window: no accelerated or software renderer (\(e)); try SDL_RENDER_DRIVER=software"
        case .surfaceFailed(let w, let h, let e):
            return "cannot create a \(w)×\(h) offscreen image: \(e)"
        case .fontEngine(let e):
            return "cannot start the font engine (SDL2_ttf): \(e)"
        case .noFont(let family, let tried):
            let list = tried.isEmpty ? "" : " (tried \(tried.joined(separator: ", ")))"
            return "no usable '\(family)' font found\(list); install it with: sudo apt-get install fonts-dejavu-core"
        }
    }
}
