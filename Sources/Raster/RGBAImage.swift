/// An 8-bit RGBA image, row-major, straight (not premultiplied) alpha.
public struct RGBAImage: Equatable, Sendable {
    /// One pixel's channels, each 0…255.
    public typealias Pixel = (r: UInt8, g: UInt8, b: UInt8, a: UInt8)

    public let width: Int
    public let height: Int
    /// `width * height * 4` bytes: R, G, B, A for each pixel, row after row.
    public var pixels: [UInt8]

    /// Wraps bytes the caller already knows to be well formed.
    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width >= 0 && height >= 0, "RGBAImage: negative size \(width)×\(height)")
        precondition(pixels.count == width * height * 4,
                     "RGBAImage: \(pixels.count) bytes for \(width)×\(height) (need \(width * height * 4))")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// Wraps bytes from outside (a decoder, a file), checking them first.
    public init(checkingWidth width: Int, height: Int, pixels: [UInt8]) throws {
        guard width > 0, height > 0 else { throw RasterError.badSize(width: width, height: height) }
        guard pixels.count == width * height * 4 else {
            throw RasterError.byteCountMismatch(expected: width * height * 4, got: pixels.count)
        }
        self.init(width: width, height: height, pixels: pixels)
    }

    /// An opaque image from packed RGB bytes (width · height · 3).
    public init(rgb: [UInt8], width: Int, height: Int) {
        precondition(rgb.count == width * height * 3, "RGBAImage: \(rgb.count) RGB bytes for \(width)×\(height)")
        var bytes = [UInt8](repeating: 255, count: width * height * 4)
        for p in 0..<(width * height) {
            bytes[p * 4] = rgb[p * 3]; bytes[p * 4 + 1] = rgb[p * 3 + 1]; bytes[p * 4 + 2] = rgb[p * 3 + 2]
        }
        self.init(width: width, height: height, pixels: bytes)
    }

    /// An image filled with a single colour.
    public init(width: Int, height: Int, fill: Pixel) {
        precondition(width >= 0 && height >= 0, "RGBAImage: negative size \(width)×\(height)")
        var bytes = [UInt8](repeating: 0, count: width * height * 4)
        bytes.withUnsafeMutableBufferPointer { out in
            var i = 0
            while i < out.count {
                out[i] = fill.r; out[i + 1] = fill.g; out[i + 2] = fill.b; out[i + 3] = fill.a
                i += 4
            }
        }
        self.init(width: width, height: height, pixels: bytes)
    }

    public subscript(x: Int, y: Int) -> Pixel {
        get {
            let i = offset(x: x, y: y)
            return (pixels[i], pixels[i + 1], pixels[i + 2], pixels[i + 3])
        }
        set {
            let i = offset(x: x, y: y)
            pixels[i] = newValue.r; pixels[i + 1] = newValue.g
            pixels[i + 2] = newValue.b; pixels[i + 3] = newValue.a
        }
    }

    /// The same as `self[x, y]`.
    public func pixel(x: Int, y: Int) -> Pixel { self[x, y] }

    /// The rectangle at (`x`, `y`) of the given size, which must lie inside the image.
    public func cropped(x: Int, y: Int, width w: Int, height h: Int) -> RGBAImage {
        precondition(x >= 0 && y >= 0 && w >= 0 && h >= 0 && x + w <= width && y + h <= height,
                     "cropped: rect (\(x),\(y)) \(w)×\(h) is outside \(width)×\(height)")
        var out = [UInt8](repeating: 0, count: w * h * 4)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for row in 0..<h {
                    let from = ((y + row) * width + x) * 4
                    let to = row * w * 4
                    for i in 0..<(w * 4) { dst[to + i] = src[from + i] }
                }
            }
        }
        return RGBAImage(width: w, height: h, pixels: out)
    }

    /// The largest centred square (the shorter side's length).
    public func centerCroppedSquare() -> RGBAImage {
        let side = min(width, height)
        return cropped(x: (width - side) / 2, y: (height - side) / 2, width: side, height: side)
    }

    private func offset(x: Int, y: Int) -> Int {
        precondition(x >= 0 && x < width && y >= 0 && y < height,
                     "pixel (\(x),\(y)) is outside \(width)×\(height)")
        return (y * width + x) * 4
    }
}
