/// Whole-image pixel operations the window needs every frame or every page (kept here, optimised, so the app's own
/// code holds no per-pixel loops).
extension RGBAImage {
    /// Each pixel becomes a factor × factor square (an activation stays a visible square).
    public func scaledNearest(by factor: Int) -> RGBAImage {
        guard factor > 1 else { return self }
        let w = width * factor
        let h = height * factor
        let srcWidth = width
        var out = [UInt8](repeating: 0, count: w * h * 4)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<h {
                    let srcRow = (y / factor) * srcWidth
                    for x in 0..<w {
                        let s = (srcRow + x / factor) * 4
                        let d = (y * w + x) * 4
                        dst[d] = src[s]
                        dst[d + 1] = src[s + 1]
                        dst[d + 2] = src[s + 2]
                        dst[d + 3] = src[s + 3]
                    }
                }
            }
        }
        return RGBAImage(width: w, height: h, pixels: out)
    }

    /// A gray ramp: black at the bottom to white at the top (`vertical`), or black at the left to white at the right.
    public static func grayRamp(width: Int, height: Int, vertical: Bool) -> RGBAImage {
        var out = [UInt8](repeating: 255, count: width * height * 4)
        for y in 0..<height {
            for x in 0..<width {
                let v = vertical ? UInt8(255 - y * 255 / max(1, height - 1)) : UInt8(x * 255 / max(1, width - 1))
                let p = (y * width + x) * 4
                out[p] = v
                out[p + 1] = v
                out[p + 2] = v
            }
        }
        return RGBAImage(width: width, height: height, pixels: out)
    }

    /// This image with each pixel's alpha set from `map` (same size; 0…1, clamped).
    public func withAlpha(_ map: FloatMap) -> RGBAImage {
        precondition(map.width == width && map.height == height, "withAlpha: a map of the image's size")
        var copy = self
        copy.pixels.withUnsafeMutableBufferPointer { dst in
            map.values.withUnsafeBufferPointer { v in
                for i in 0..<v.count { dst[i * 4 + 3] = UInt8(min(max(v[i], 0), 1) * 255) }
            }
        }
        return copy
    }

    /// The packed RGB bytes (width · height · 3), alpha dropped.
    public var rgbBytes: [UInt8] {
        var rgb = [UInt8](repeating: 0, count: width * height * 3)
        pixels.withUnsafeBufferPointer { src in
            for p in 0..<(width * height) {
                rgb[p * 3] = src[p * 4]
                rgb[p * 3 + 1] = src[p * 4 + 1]
                rgb[p * 3 + 2] = src[p * 4 + 2]
            }
        }
        return rgb
    }
}

extension RGBAImage {
    /// Springenberg et al.'s picture of a gradient (guided backprop): `rgb` (width × height × 3, position-major) less
    /// its mean, over its standard deviation, at 0.1 per unit around mid-gray, clipped (pytorch-grad-cam's
    /// `deprocess_image`). A gradient of zeros is mid-gray.
    public static func gradientPicture(_ rgb: [Float], width: Int, height: Int) -> RGBAImage {
        precondition(rgb.count == width * height * 3)
        let n = Float(max(rgb.count, 1))
        let mean = rgb.reduce(0, +) / n
        let spread = (rgb.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n).squareRoot() + 1e-5
        var pixels = [UInt8](repeating: 255, count: width * height * 4)
        for p in 0..<(width * height) {
            for c in 0..<3 {
                let v = ((rgb[p * 3 + c] - mean) / spread * 0.1 + 0.5) * 255
                pixels[p * 4 + c] = UInt8(min(max(v, 0), 255).rounded())
            }
        }
        return RGBAImage(width: width, height: height, pixels: pixels)
    }
}

extension RGBAImage {
    /// This image laid over `base` (the same size): each pixel by its own alpha times `opacity`; the result is opaque
    /// where `base` is.
    public func blended(over base: RGBAImage, opacity: Float = 1) -> RGBAImage {
        precondition(
            width == base.width && height == base.height,
            "blended: \(width)×\(height) over \(base.width)×\(base.height)")
        var out = base
        let o = min(max(opacity, 0), 1)
        out.pixels.withUnsafeMutableBufferPointer { dst in
            pixels.withUnsafeBufferPointer { src in
                for p in stride(from: 0, to: src.count, by: 4) {
                    let a = Float(src[p + 3]) / 255 * o
                    for c in 0..<3 {
                        dst[p + c] = UInt8((Float(src[p + c]) * a + Float(dst[p + c]) * (1 - a)).rounded())
                    }
                }
            }
        }
        return out
    }
}

extension RGBAImage {
    /// Copies `image` into this one with its top-left corner at (x, y); what falls outside is left out.
    public mutating func paste(_ image: RGBAImage, x: Int, y: Int) {
        let x0 = max(0, x)
        let y0 = max(0, y)
        let x1 = min(width, x + image.width)
        let y1 = min(height, y + image.height)
        guard x0 < x1, y0 < y1 else { return }
        let w = width
        let iw = image.width
        pixels.withUnsafeMutableBufferPointer { dst in
            image.pixels.withUnsafeBufferPointer { src in
                for row in y0..<y1 {
                    let from = ((row - y) * iw + (x0 - x)) * 4
                    let to = (row * w + x0) * 4
                    for i in 0..<((x1 - x0) * 4) { dst[to + i] = src[from + i] }
                }
            }
        }
    }
}
