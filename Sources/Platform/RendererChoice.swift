import CSDL2
import Foundation

/// Which SDL renderer the window asks for. Without a GPU (no DRM render node: a VM, a container, Xvfb) the only
/// OpenGL is Mesa's llvmpipe, a rasteriser on the CPU; SDL's own software renderer, drawing into an X11 shared-memory
/// framebuffer, draws the same frames with less work (a 1920×1080 slider drag under Xvfb: 4.1 s of CPU against
/// llvmpipe's 6.0 s) and without loading libLLVM and GL's buffers (the window at start: 896 MiB against 991 MiB).
/// With a GPU, or under Wayland, the accelerated renderer stays. SDL_RENDER_DRIVER and SDL_FRAMEBUFFER_ACCELERATION
/// in the environment still decide (SDL lets the environment override a hint an application sets).
public enum RendererChoice {
    /// Whether `directory` (the DRM device folder) holds a render node (`renderD128`, …).
    public static func hasRenderNode(in directory: String = "/dev/dri") -> Bool {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.contains { $0.hasPrefix("renderD") }
    }

    /// Sets SDL's hints before the window is made (X11 only: SDL's Wayland driver has no window framebuffer of its
    /// own): the software renderer and no GL-backed window surface when there is no render node.
    static func applyHints(renderNodes directory: String = "/dev/dri") {
        guard !hasRenderNode(in: directory) else { return }
        SDL_SetHint(SDL_HINT_RENDER_DRIVER, "software")
        SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0")
    }
}
