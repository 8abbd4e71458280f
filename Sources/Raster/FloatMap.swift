/// A single-channel float map (a feature map, a Grad-CAM), row-major.
public struct FloatMap: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public var values: [Float]

    public init(width: Int, height: Int, values: [Float]) {
        precondition(width >= 0 && height >= 0, "FloatMap: negative size \(width)×\(height)")
        precondition(values.count == width * height,
                     "FloatMap: \(values.count) values for \(width)×\(height)")
        self.width = width
        self.height = height
        self.values = values
    }

    /// Wraps values from outside (a file, another process), checking them first.
    public init(checkingWidth width: Int, height: Int, values: [Float]) throws {
        guard width > 0, height > 0 else { throw RasterError.badSize(width: width, height: height) }
        guard values.count == width * height else {
            throw RasterError.valueCountMismatch(expected: width * height, got: values.count)
        }
        self.init(width: width, height: height, values: values)
    }

    public subscript(x: Int, y: Int) -> Float {
        get { values[y * width + x] }
        set { values[y * width + x] = newValue }
    }

    /// Minimum, maximum and mean; NaN and ±Inf count as 0. An empty map gives zeros.
    public var range: (min: Float, max: Float, mean: Float) {
        guard !values.isEmpty else { return (0, 0, 0) }
        var lo = Float.infinity, hi = -Float.infinity, sum = 0.0
        values.withUnsafeBufferPointer { v in
            for x in v {
                let x = x.isFinite ? x : 0
                lo = Swift.min(lo, x); hi = Swift.max(hi, x); sum += Double(x)
            }
        }
        return (lo, hi, Float(sum / Double(values.count)))
    }

    /// Bilinear resampling with half-pixel centres (align-corners = false), like
    /// `cv2.resize(..., INTER_LINEAR)` and `tf.image.resize(..., "bilinear")`.
    public func resizedBilinear(width newWidth: Int, height newHeight: Int) -> FloatMap {
        var out = [Float](repeating: 0, count: newWidth * newHeight)
        out.withUnsafeMutableBufferPointer { dst in
            forEachResizedRow(width: newWidth, height: newHeight) { y, row in
                for x in 0..<newWidth { dst[y * newWidth + x] = row[x] }
            }
        }
        return FloatMap(width: newWidth, height: newHeight, values: out)
    }

    /// Calls `body(y, row)` with each row of the map resized bilinearly to
    /// `newWidth × newHeight`, without holding the whole resized map in memory.
    func forEachResizedRow(width newWidth: Int, height newHeight: Int,
                           _ body: (Int, UnsafeBufferPointer<Float>) -> Void) {
        precondition(newWidth > 0 && newHeight > 0, "resize: target \(newWidth)×\(newHeight) must be positive")
        precondition(width > 0 && height > 0, "resize: source \(width)×\(height) is empty")
        let across = BilinearAxis(inSize: width, outSize: newWidth)
        let down = BilinearAxis(inSize: height, outSize: newHeight)
        var blended = [Float](repeating: 0, count: width)
        var row = [Float](repeating: 0, count: newWidth)
        values.withUnsafeBufferPointer { v in
            for y in 0..<newHeight {
                let top = down.lower[y] * width, bottom = down.upper[y] * width, fy = down.frac[y]
                for x in 0..<width { blended[x] = v[top + x] + (v[bottom + x] - v[top + x]) * fy }
                for x in 0..<newWidth {
                    let a = blended[across.lower[x]], b = blended[across.upper[x]]
                    row[x] = a + (b - a) * across.frac[x]
                }
                row.withUnsafeBufferPointer { body(y, $0) }
            }
        }
    }
}

/// Source indices and weights of 1-D linear interpolation with half-pixel centres.
struct BilinearAxis {
    var lower: [Int] = [], upper: [Int] = [], frac: [Float] = []

    init(inSize: Int, outSize: Int) {
        let scale = Double(inSize) / Double(outSize)
        for i in 0..<outSize {
            let s = (Double(i) + 0.5) * scale - 0.5
            var i0 = Int(s.rounded(.down)), f = s - s.rounded(.down)
            if i0 < 0 { i0 = 0; f = 0 }
            if i0 >= inSize - 1 { i0 = inSize - 1; f = 0 }
            lower.append(i0)
            upper.append(min(i0 + 1, inSize - 1))
            frac.append(Float(f))
        }
    }
}
