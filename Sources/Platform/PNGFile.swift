import CSDL2
import CSDL2Image
import Foundation
import Raster

/// Writes RGBA images as PNG through SDL2_image, atomically (see `AtomicFile`).
public enum PNGFile {
    public static func write(_ image: RGBAImage, to path: String, replace: Bool = true) throws {
        try AtomicFile.write(to: path, replace: replace) { tmp in
            var pixels = image.pixels
            let status: Int32 = pixels.withUnsafeMutableBytes { raw in
                guard let s = SDL_CreateRGBSurfaceWithFormatFrom(raw.baseAddress, Int32(image.width), Int32(image.height), 32,
                                                                 Int32(image.width * 4), SDL_PIXELFORMAT_RGBA32.rawValue) else { return -1 }
                defer { SDL_FreeSurface(s) }
                return withQuietStderr { IMG_SavePNG(s, tmp) }
            }
            let size = (try? FileManager.default.attributesOfItem(atPath: tmp)[.size] as? Int) ?? 0
            guard status == 0, size > 0 else {
                let sdl = String(cString: SDL_GetError())
                throw ImageError.writeFailed(path: path, reason: AtomicFile.reason(dir: (tmp as NSString).deletingLastPathComponent) + (sdl.isEmpty ? "" : "; \(sdl)"))
            }
        }
    }
}
