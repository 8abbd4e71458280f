/// Heatmaps drawn on images, the Grad-CAM look.
public enum Overlay {
    /// `map` (values 0…1, any resolution) resized bilinearly to the image's size,
    /// coloured with jet and blended with `opacity` (clamped to 0…1) over the image
    /// in grayscale (after compositing over white). The result is opaque and at the
    /// image's full resolution.
    public static func heatmap(_ map: FloatMap, over image: RGBAImage, opacity: Float) -> RGBAImage {
        let o = opacity.isNaN ? 0 : min(max(opacity, 0), 1)
        guard image.width > 0, image.height > 0 else { return image }
        var out = [UInt8](repeating: 255, count: image.pixels.count)
        let width = image.width
        Colormap.jetTable.withUnsafeBufferPointer { lut in
            image.pixels.withUnsafeBufferPointer { src in
                out.withUnsafeMutableBufferPointer { dst in
                    map.forEachResizedRow(width: width, height: image.height) { y, row in
                        for x in 0..<width {
                            let p = (y * width + x) * 4
                            let a = Int(src[p + 3]), white = 255 * (255 - a)
                            let gray = Float(RGBAImage.luma(
                                UInt8((Int(src[p]) * a + white + 127) / 255),
                                UInt8((Int(src[p + 1]) * a + white + 127) / 255),
                                UInt8((Int(src[p + 2]) * a + white + 127) / 255)))
                            let base = gray * (1 - o)
                            let j = Colormap.jetIndex(row[x]) * 3
                            dst[p] = RGBAImage.byte(base + Float(lut[j]) * o)
                            dst[p + 1] = RGBAImage.byte(base + Float(lut[j + 1]) * o)
                            dst[p + 2] = RGBAImage.byte(base + Float(lut[j + 2]) * o)
                        }
                    }
                }
            }
        }
        return RGBAImage(width: image.width, height: image.height, pixels: out)
    }

    /// The map coloured with jet at its own size, opaque.
    public static func heatmapImage(_ map: FloatMap) -> RGBAImage {
        var out = [UInt8](repeating: 255, count: map.width * map.height * 4)
        for (i, v) in map.values.enumerated() {
            let (r, g, b) = Colormap.jet(v)
            out[i * 4] = r; out[i * 4 + 1] = g; out[i * 4 + 2] = b
        }
        return RGBAImage(width: map.width, height: map.height, pixels: out)
    }
}

extension Overlay {
    /// A signed map in -1…1 as colour over whatever lies beneath: red where positive, blue where negative, each as
    /// opaque as the value is large (0 is transparent). Values outside -1…1 are clamped; NaN counts as 0.
    public static func signedImage(_ map: FloatMap) -> RGBAImage {
        var out = [UInt8](repeating: 0, count: map.width * map.height * 4)
        for (i, raw) in map.values.enumerated() {
            let v = raw.isNaN ? 0 : min(max(raw, -1), 1)
            let (r, g, b): (UInt8, UInt8, UInt8) = v >= 0 ? (230, 40, 30) : (40, 110, 235)
            out[i * 4] = r; out[i * 4 + 1] = g; out[i * 4 + 2] = b
            out[i * 4 + 3] = UInt8((abs(v) * 235).rounded())
        }
        return RGBAImage(width: map.width, height: map.height, pixels: out)
    }
}
