import CSDL2
import CSDL2Image
import Foundation
import Raster

/// Decodes image files through SDL2_image, picking the decoder from the file's magic bytes. Grayscale becomes three
/// equal channels, alpha is composited over white, GIFs give their first frame.
///
/// Nothing reaches a decoder before its header has been read and checked: only regular files are opened (a FIFO or a
/// device would block or never end), only the bytes the header needs are read, and the size every decoder will
/// allocate is held to `maxPixels` and `maxSide` first.
public enum ImageFile {
    public static let maxPixels = 100_000_000
    /// The longest side accepted, whatever the pixel count (GIF's and JPEG's own ceiling).
    public static let maxSide = 65_535
    public static let minimumSide = 8
    /// Files larger than this are refused as images before any of them is read.
    public static let maxFileBytes = 1_000_000_000
    private static let initOnce: Void = {
        _ = IMG_Init(
            Int32(IMG_INIT_PNG.rawValue | IMG_INIT_JPG.rawValue | IMG_INIT_TIF.rawValue | IMG_INIT_WEBP.rawValue))
    }()
    private static let lock = NSLock()

    public static func load(path: String) throws -> RGBAImage {
        try withPixels(path: path) { w, h, pitch, base in
            RGBAImage(width: w, height: h, pixels: composited(w, h, pitch, base))
        }
    }

    /// Decodes the file and hands its RGBA32 rows (width, height, bytes per row, first byte; alpha not yet composited)
    /// to `body`, which must not keep the pointer.
    public static func withPixels<T>(
        path: String, _ body: (Int, Int, Int, UnsafePointer<UInt8>) throws -> T
    ) throws -> T {
        let name = (path as NSString).lastPathComponent
        let file = try RegularFile(path: path)
        guard file.size > 0 else { throw ImageError.empty(file: name) }
        guard file.size <= maxFileBytes else { throw ImageError.fileTooLarge(file: name, bytes: file.size) }
        let source = FileBytes(file)
        let (kind, bound) = try inspect(source, head: source.head, name: name)
        return try decode(
            kind: kind, bound: bound, name: name,
            open: {
                guard let fp = file.stream() else { return nil }
                guard let rw = SDL_RWFromFP(fp, SDL_TRUE) else {
                    fclose(fp)
                    return nil
                }
                return rw
            }, body)
    }

    public static func decode(_ bytes: [UInt8], name: String) throws -> RGBAImage {
        let (kind, bound) = try inspect(bytes, head: Array(bytes.prefix(64)), name: name)
        return try bytes.withUnsafeBytes { raw in
            try decode(
                kind: kind, bound: bound, name: name, open: { SDL_RWFromConstMem(raw.baseAddress, Int32(raw.count)) }
            ) {
                w, h, pitch, base in RGBAImage(width: w, height: h, pixels: composited(w, h, pitch, base))
            }
        }
    }

    /// The format and the size the decoder will allocate, refusing anything too large, too small, damaged or cut short.
    static func inspect(
        _ b: some ImageBytes, head: [UInt8], name: String
    ) throws -> (ImageKind, (width: Int, height: Int)) {
        guard b.count > 0 else { throw ImageError.empty(file: name) }
        guard let kind = ImageKind.sniff(head) else { throw ImageError.notAnImage(file: name) }
        let size: (width: Int, height: Int)
        switch ImageHeader.size(kind, b) {
        case .cutShort: throw ImageError.truncated(file: name, kind: kind.rawValue)
        case .invalid: throw ImageError.damaged(file: name, kind: kind.rawValue)
        case .size(let w, let h): size = (w, h)
        }
        try checkSize(size.width, size.height, kind: kind, name: name)
        guard !ImageHeader.isCutShort(kind, b) else { throw ImageError.truncated(file: name, kind: kind.rawValue) }
        return (kind, size)
    }

    /// Sides positive, at most `maxSide`, at least `minimumSide`, and at most `maxPixels` in all (multiplied with an
    /// overflow check, though the sides are already bounded).
    static func checkSize(_ w: Int, _ h: Int, kind: ImageKind, name: String) throws {
        guard w > 0, h > 0 else { throw ImageError.damaged(file: name, kind: kind.rawValue) }
        guard w <= maxSide, h <= maxSide else { throw ImageError.tooLarge(file: name, width: w, height: h) }
        let (pixels, overflow) = w.multipliedReportingOverflow(by: h)
        guard !overflow, pixels <= maxPixels else { throw ImageError.tooLarge(file: name, width: w, height: h) }
        guard w >= minimumSide, h >= minimumSide else { throw ImageError.tooSmall(file: name, width: w, height: h) }
    }

    /// Decodes from the stream `open` makes (SDL2_image closes it), holding the result to the checked `bound`: exactly
    /// that size, or for a GIF (whose first frame may be smaller than its screen) at most that size.
    private static func decode<T>(
        kind: ImageKind, bound: (width: Int, height: Int), name: String,
        open: () -> UnsafeMutablePointer<SDL_RWops>?,
        _ body: (Int, Int, Int, UnsafePointer<UInt8>) throws -> T
    ) throws -> T {
        let damaged = ImageError.damaged(file: name, kind: kind.rawValue)
        let rgba: UnsafeMutablePointer<SDL_Surface> = try {
            lock.lock()
            defer { lock.unlock() }
            _ = initOnce
            guard let rw = open() else { throw damaged }
            guard let surface = withQuietStderr({ IMG_LoadTyped_RW(rw, 1, kind.sdlType) }) else { throw damaged }
            defer { SDL_FreeSurface(surface) }
            let w = Int(surface.pointee.w)
            let h = Int(surface.pointee.h)
            let fits =
                kind == .gif
                ? (1...bound.width).contains(w) && (1...bound.height).contains(h)
                : w == bound.width && h == bound.height
            guard fits else { throw damaged }
            guard w >= minimumSide, h >= minimumSide else { throw ImageError.tooSmall(file: name, width: w, height: h) }
            guard let converted = SDL_ConvertSurfaceFormat(surface, SDL_PIXELFORMAT_RGBA32.rawValue, 0) else {
                throw damaged
            }
            return converted
        }()
        defer { SDL_FreeSurface(rgba) }
        let width = Int(rgba.pointee.w)
        let height = Int(rgba.pointee.h)
        let pitch = Int(rgba.pointee.pitch)
        guard let base = rgba.pointee.pixels else { throw damaged }
        return try body(width, height, pitch, UnsafePointer(base.assumingMemoryBound(to: UInt8.self)))
    }

    /// The rows composited over white, packed (width × height × 4).
    static func composited(_ w: Int, _ h: Int, _ pitch: Int, _ base: UnsafePointer<UInt8>) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: w * h * 4) { buffer, count in
            for y in 0..<h {
                RGBAImage.compositeOverWhite(base + y * pitch, into: buffer.baseAddress! + y * w * 4, count: w)
            }
            count = w * h * 4
        }
    }
}
