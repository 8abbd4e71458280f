/// Colour maps for scalar data.
public enum Colormap {
    /// matplotlib's "jet": `t` is clamped to 0…1 (NaN counts as 0) and looked up in a
    /// 256-entry table built exactly as matplotlib builds it, bytes truncated as
    /// `cmap(t, bytes=True)` does. jet(0) = (0, 0, 127), jet(1) = (127, 0, 0).
    public static func jet(_ t: Float) -> (UInt8, UInt8, UInt8) {
        let i = jetIndex(t) * 3
        return (jetTable[i], jetTable[i + 1], jetTable[i + 2])
    }

    /// A vertical jet bar: the top row is jet(1), the bottom row jet(0).
    public static func colorBar(width: Int, height: Int) -> RGBAImage {
        precondition(width > 0 && height > 0, "colorBar: size \(width)×\(height) must be positive")
        var image = RGBAImage(width: width, height: height, fill: (0, 0, 0, 255))
        for y in 0..<height {
            let t = height == 1 ? 1 : 1 - Float(y) / Float(height - 1)
            let (r, g, b) = jet(t)
            for x in 0..<width { image[x, y] = (r, g, b, 255) }
        }
        return image
    }

    /// The table row for `t`, as matplotlib's `Colormap.__call__` picks it.
    @inline(__always)
    static func jetIndex(_ t: Float) -> Int {
        let clamped = t.isNaN ? 0 : min(max(t, 0), 1)
        return min(Int(clamped * 256), 255)
    }

    /// 256 × (R, G, B) bytes, computed with matplotlib's `_create_lookup_table`
    /// arithmetic (x scaled by N − 1 = 255) so that truncation lands the same way.
    static let jetTable: [UInt8] = {
        let red: [(Double, Double)] = [(0, 0), (0.35, 0), (0.66, 1), (0.89, 1), (1, 0.5)]
        let green: [(Double, Double)] = [(0, 0), (0.125, 0), (0.375, 1), (0.64, 1), (0.91, 0), (1, 0)]
        let blue: [(Double, Double)] = [(0, 0.5), (0.11, 1), (0.34, 1), (0.65, 0), (1, 0)]
        var table = [UInt8](repeating: 0, count: 256 * 3)
        let step = 1.0 / 255  // numpy.linspace(0, 1, 256)
        for (c, segments) in [red, green, blue].enumerated() {
            for i in 0..<256 {
                let x = 255 * (Double(i) * step)
                let value = min(max(interpolate(segments, at: x), 0), 1)
                table[i * 3 + c] = UInt8(value * 255)  // truncates, as numpy's astype(uint8)
            }
        }
        return table
    }()

    /// Piecewise-linear value of matplotlib segment data (x, y) at `x` (in units of 255).
    private static func interpolate(_ segments: [(Double, Double)], at x: Double) -> Double {
        if x <= 0 { return segments[0].1 }
        if x >= 255 { return segments[segments.count - 1].1 }
        let k = segments.firstIndex { $0.0 * 255 >= x }!
        let (x0, y0) = segments[k - 1], (x1, y1) = segments[k]
        return (x - x0 * 255) / (x1 * 255 - x0 * 255) * (y1 - y0) + y0
    }
}
