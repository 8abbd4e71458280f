/// Layers that move values without arithmetic: zero padding, flatten (H·W·C or C·H·W), global pooling.
/// Forward and backward side by side, per image; N = `batch`.
public enum Reshaping {
    /// x (H,W,C) → y (H+t+b, W+l+r, C) with zeros around.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public static func pad<T: BinaryFloatingPoint>(
        x: UnsafePointer<T>, batch: Int, in s: TensorShape, top: Int, left: Int, out o: TensorShape,
        y: UnsafeMutablePointer<T>
    ) {
        y.update(repeating: 0, count: batch * o.count)
        for n in 0..<batch {
            for row in 0..<s.height {
                (y + n * o.count + ((row + top) * o.width + left) * s.channels)
                    .update(from: x + n * s.count + row * s.width * s.channels, count: s.width * s.channels)
            }
        }
    }

    /// The inverse crop: dx (H,W,C) = dy's interior.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public static func padBackward<T: BinaryFloatingPoint>(
        dy: UnsafePointer<T>, batch: Int, in s: TensorShape, top: Int, left: Int, out o: TensorShape,
        dx: UnsafeMutablePointer<T>
    ) {
        for n in 0..<batch {
            for row in 0..<s.height {
                (dx + n * s.count + row * s.width * s.channels)
                    .update(
                        from: dy + n * o.count + ((row + top) * o.width + left) * s.channels,
                        count: s.width * s.channels)
            }
        }
    }

    /// Flatten: H·W·C is our layout already; C·H·W reorders.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public static func flatten<T: BinaryFloatingPoint>(
        _ order: FlattenOrder, x: UnsafePointer<T>, batch: Int, in s: TensorShape, y: UnsafeMutablePointer<T>,
        backward: Bool = false
    ) {
        guard order == .chw else {
            y.update(from: x, count: batch * s.count)
            return
        }
        let hw = s.height * s.width
        let c = s.channels
        for n in 0..<batch {
            let xi = x + n * s.count
            let yi = y + n * s.count
            for p in 0..<hw {
                for ch in 0..<c {
                    if backward { yi[p * c + ch] = xi[ch * hw + p] } else { yi[ch * hw + p] = xi[p * c + ch] }
                }
            }
        }
    }

    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public static func globalPool<T: BinaryFloatingPoint>(
        max isMax: Bool, x: UnsafePointer<T>, batch: Int, in s: TensorShape, y: UnsafeMutablePointer<T>
    ) {
        let hw = s.height * s.width
        let c = s.channels
        for n in 0..<batch {
            let xi = x + n * s.count
            let yi = y + n * c
            for ch in 0..<c {
                var acc: T = isMax ? -.infinity : 0
                for p in 0..<hw { acc = isMax ? max(acc, xi[p * c + ch]) : acc + xi[p * c + ch] }
                yi[ch] = isMax ? acc : acc / T(hw)
            }
        }
    }

    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public static func globalPoolBackward<T: BinaryFloatingPoint>(
        max isMax: Bool, dy: UnsafePointer<T>, x: UnsafePointer<T>, batch: Int, in s: TensorShape,
        dx: UnsafeMutablePointer<T>
    ) {
        let hw = s.height * s.width
        let c = s.channels
        dx.update(repeating: 0, count: batch * s.count)
        for n in 0..<batch {
            let xi = x + n * s.count
            let di = dx + n * s.count
            let gi = dy + n * c
            for ch in 0..<c {
                if isMax {
                    var best = 0
                    for p in 1..<max(hw, 1) where xi[p * c + ch] > xi[best * c + ch] { best = p }
                    di[best * c + ch] = gi[ch]
                } else {
                    for p in 0..<hw { di[p * c + ch] = gi[ch] / T(hw) }
                }
            }
        }
    }
}
