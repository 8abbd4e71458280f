import CSDL2
import ImmediateUI
import Raster

/// Offscreen rendering for tests and exports: an SDL software renderer drawing on an RGBA surface. Needs no window
/// and no display. The image is `width`×`height` logical points, i.e. `ceil(width * scale)` pixels wide.
/// Main thread (or one thread at a time) only.
public final class OffscreenCanvas {
    public let fonts: FontSet
    public let canvas: SDLCanvas
    /// Size of the rendered image in pixels.
    public let pixelWidth: Int
    public let pixelHeight: Int

    private let surface: UnsafeMutablePointer<SDL_Surface>
    private let renderer: OpaquePointer

    public init(width: Int, height: Int, scale: Float = 1) throws {
        let s = scale.isFinite && scale > 0 ? scale : 1
        let pw = Int((Float(width) * s).rounded(.up))
        let ph = Int((Float(height) * s).rounded(.up))
        guard pw > 0, ph > 0, pw <= 16384, ph <= 16384 else {
            throw PlatformError.surfaceFailed(width: pw, height: ph, reason: "the size must be 1…16384 pixels per side")
        }
        guard let surf = SDL_CreateRGBSurfaceWithFormat(0, Int32(pw), Int32(ph), 32, SDL_PIXELFORMAT_RGBA32.rawValue)
        else {
            throw PlatformError.surfaceFailed(width: pw, height: ph, reason: String(cString: SDL_GetError()))
        }
        guard let r = SDL_CreateSoftwareRenderer(surf) else {
            let e = String(cString: SDL_GetError())
            SDL_FreeSurface(surf)
            throw PlatformError.rendererFailed(e)
        }
        let f: FontSet
        do { f = try FontSet(scale: s) } catch {
            SDL_DestroyRenderer(r)
            SDL_FreeSurface(surf)
            throw error
        }
        surface = surf
        renderer = r
        fonts = f
        canvas = SDLCanvas(renderer: r, fonts: f, scale: s)
        pixelWidth = pw
        pixelHeight = ph
    }

    deinit {
        canvas.detach()
        SDL_DestroyRenderer(renderer)
        SDL_FreeSurface(surface)
    }

    /// Clears to `clear`, draws `commands`, and returns the pixels (`pixelWidth`×`pixelHeight`).
    public func render(_ commands: [DrawCommand], clear: Color) -> RGBAImage {
        canvas.draw(commands, clear: clear)
        var pixels = [UInt8](repeating: 0, count: pixelWidth * pixelHeight * 4)
        let ok = pixels.withUnsafeMutableBytes {
            SDL_RenderReadPixels(renderer, nil, SDL_PIXELFORMAT_RGBA32.rawValue, $0.baseAddress, Int32(pixelWidth * 4))
                == 0
        }
        precondition(ok, "OffscreenCanvas: SDL_RenderReadPixels failed: \(String(cString: SDL_GetError()))")
        return RGBAImage(width: pixelWidth, height: pixelHeight, pixels: pixels)
    }
}
