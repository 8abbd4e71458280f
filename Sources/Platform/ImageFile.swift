import CSDL2
import CSDL2Image
import Foundation
import Raster

/// Decodes image files through SDL2_image, picking the decoder from the file's magic bytes. Grayscale becomes three
/// equal channels, alpha is composited over white, GIFs give their first frame.
public enum ImageFile {
    public static let maxPixels = 100_000_000
    public static let minimumSide = 8
    private static let initOnce: Void = { _ = IMG_Init(Int32(IMG_INIT_PNG.rawValue | IMG_INIT_JPG.rawValue | IMG_INIT_TIF.rawValue | IMG_INIT_WEBP.rawValue)) }()
    private static let lock = NSLock()

    public static func load(path: String) throws -> RGBAImage {
        let name = (path as NSString).lastPathComponent
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { throw ImageError.notFound(path: path) }
        guard !isDir.boolValue else { throw ImageError.isDirectory(path: path) }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ImageError.unreadable(path: path, reason: FileManager.default.isReadableFile(atPath: path) ? "read error" : "permission denied")
        }
        return try decode([UInt8](data), name: name)
    }

    public static func decode(_ bytes: [UInt8], name: String) throws -> RGBAImage {
        guard !bytes.isEmpty else { throw ImageError.empty(file: name) }
        guard let kind = ImageKind.sniff(bytes) else { throw ImageError.notAnImage(file: name) }
        guard let size = ImageHeader.size(kind, bytes) else {
            throw bytes.count < 64 ? ImageError.truncated(file: name, kind: kind.rawValue) : ImageError.damaged(file: name, kind: kind.rawValue)
        }
        guard size.width > 0, size.height > 0 else { throw ImageError.damaged(file: name, kind: kind.rawValue) }
        guard size.width * size.height <= maxPixels else { throw ImageError.tooLarge(file: name, width: size.width, height: size.height) }
        guard size.width >= minimumSide, size.height >= minimumSide else {
            throw ImageError.tooSmall(file: name, width: size.width, height: size.height)
        }
        guard !ImageHeader.isCutShort(kind, bytes) else { throw ImageError.truncated(file: name, kind: kind.rawValue) }

        lock.lock(); defer { lock.unlock() }
        _ = initOnce
        let decoded: UnsafeMutablePointer<SDL_Surface>? = bytes.withUnsafeBytes { raw in
            guard let rw = SDL_RWFromConstMem(raw.baseAddress, Int32(raw.count)) else { return nil }
            return withQuietStderr { IMG_LoadTyped_RW(rw, 1, kind.sdlType) }
        }
        guard let surface = decoded else { throw ImageError.damaged(file: name, kind: kind.rawValue) }
        defer { SDL_FreeSurface(surface) }
        guard let rgba = SDL_ConvertSurfaceFormat(surface, SDL_PIXELFORMAT_RGBA32.rawValue, 0) else {
            throw ImageError.damaged(file: name, kind: kind.rawValue)
        }
        defer { SDL_FreeSurface(rgba) }
        let width = Int(rgba.pointee.w), height = Int(rgba.pointee.h), pitch = Int(rgba.pointee.pitch)
        guard width == size.width, height == size.height, let base = rgba.pointee.pixels else {
            throw ImageError.damaged(file: name, kind: kind.rawValue)
        }
        var pixels = [UInt8](repeating: 0, count: width * height * 4)
        pixels.withUnsafeMutableBytes { dst in
            for y in 0..<height { memcpy(dst.baseAddress! + y * width * 4, base + y * pitch, width * 4) }
        }
        return RGBAImage(width: width, height: height, pixels: pixels).compositedOverWhite()
    }
}
