extension RGBAImage {
    /// Straight alpha composited over opaque white; the result's alpha is 255.
    /// `count` RGBA pixels from `source` composited over white into `destination` (alpha 255), as `compositedOverWhite`.
    public static func compositeOverWhite(
        _ source: UnsafePointer<UInt8>, into destination: UnsafeMutablePointer<UInt8>,
        count: Int
    ) {
        for i in 0..<count {
            let s = source + 4 * i
            let d = destination + 4 * i
            let a = Int(s[3])
            if a == 255 {
                d[0] = s[0]
                d[1] = s[1]
                d[2] = s[2]
                d[3] = 255
                continue
            }
            let inv = 255 * (255 - a)
            for c in 0..<3 { d[c] = UInt8((Int(s[c]) * a + inv + 127) / 255) }
            d[3] = 255
        }
    }

    public func compositedOverWhite() -> RGBAImage {
        mapPixels { r, g, b, a in
            let a = Int(a)
            let inv = 255 * (255 - a)
            @inline(__always) func over(_ c: UInt8) -> UInt8 { UInt8((Int(c) * a + inv + 127) / 255) }
            return (over(r), over(g), over(b), 255)
        }
    }

    /// ITU-R BT.601 luma (0.299 R + 0.587 G + 0.114 B, rounded) in R, G and B; alpha kept.
    public func grayscale() -> RGBAImage {
        mapPixels { r, g, b, a in
            let y = UInt8(Self.luma(r, g, b))
            return (y, y, y, a)
        }
    }

    /// BT.601 luma of one pixel, rounded half up, 0…255.
    @inline(__always)
    static func luma(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> Int {
        (299 * Int(r) + 587 * Int(g) + 114 * Int(b) + 500) / 1000
    }

    /// A new image of the same size with `transform` applied to each pixel.
    @inline(__always)
    func mapPixels(_ transform: (UInt8, UInt8, UInt8, UInt8) -> Pixel) -> RGBAImage {
        var out = [UInt8](repeating: 0, count: pixels.count)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                var i = 0
                while i < src.count {
                    let p = transform(src[i], src[i + 1], src[i + 2], src[i + 3])
                    dst[i] = p.r
                    dst[i + 1] = p.g
                    dst[i + 2] = p.b
                    dst[i + 3] = p.a
                    i += 4
                }
            }
        }
        return RGBAImage(width: width, height: height, pixels: out)
    }
}
