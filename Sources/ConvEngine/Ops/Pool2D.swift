/// Max and average pooling with any window, strides and explicit padding (padded positions are left out: of the
/// maximum, and of the average's count, as Keras 'same' and ONNX's default count_include_pad = 0 do).
/// Forward and backward side by side; shapes NHWC per image, N = `batch`.
public enum Pool2D {
    public struct Geometry {
        public var inHeight: Int, inWidth: Int, channels: Int
        public var windowY: Int, windowX: Int, strideY: Int, strideX: Int, padTop: Int, padLeft: Int
        public var outHeight: Int, outWidth: Int
    }

    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public static func forward<T: BinaryFloatingPoint>(
        max isMax: Bool, x: UnsafePointer<T>, batch: Int, _ g: Geometry, y: UnsafeMutablePointer<T>
    ) {
        let c = g.channels
        for n in 0..<batch {
            let xi = x + n * g.inHeight * g.inWidth * c
            let yi = y + n * g.outHeight * g.outWidth * c
            for oy in 0..<g.outHeight {
                for ox in 0..<g.outWidth {
                    let (ys, xs) = window(g, oy, ox)
                    let out = yi + (oy * g.outWidth + ox) * c
                    out.update(repeating: isMax ? -.infinity : 0, count: c)
                    for iy in ys {
                        for ix in xs {
                            let v = xi + (iy * g.inWidth + ix) * c
                            if isMax {
                                for ch in 0..<c { out[ch] = max(out[ch], v[ch]) }
                            } else {
                                for ch in 0..<c { out[ch] += v[ch] }
                            }
                        }
                    }
                    if !isMax {
                        let scale = 1 / T(ys.count * xs.count)
                        for ch in 0..<c { out[ch] *= scale }
                    }
                }
            }
        }
    }

    /// dy (N,OH,OW,C) → dx (N,H,W,C), overwritten. A maximum's gradient goes to the window's first maximum in
    /// row-major order (TensorFlow's MaxPoolGrad); an average's is shared evenly.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public static func backward<T: BinaryFloatingPoint>(
        max isMax: Bool, dy: UnsafePointer<T>, x: UnsafePointer<T>, batch: Int, _ g: Geometry,
        dx: UnsafeMutablePointer<T>
    ) {
        let c = g.channels
        dx.update(repeating: 0, count: batch * g.inHeight * g.inWidth * c)
        for n in 0..<batch {
            let xi = x + n * g.inHeight * g.inWidth * c
            let di = dx + n * g.inHeight * g.inWidth * c
            let gi = dy + n * g.outHeight * g.outWidth * c
            for oy in 0..<g.outHeight {
                for ox in 0..<g.outWidth {
                    let (ys, xs) = window(g, oy, ox)
                    let grad = gi + (oy * g.outWidth + ox) * c
                    if isMax {
                        for ch in 0..<c {
                            var best = -1
                            var bestValue = -T.infinity
                            for iy in ys {
                                for ix in xs {
                                    let i = (iy * g.inWidth + ix) * c + ch
                                    if best < 0 || xi[i] > bestValue {
                                        best = i
                                        bestValue = xi[i]
                                    }
                                }
                            }
                            di[best] += grad[ch]
                        }
                    } else {
                        let scale = 1 / T(ys.count * xs.count)
                        for iy in ys {
                            for ix in xs {
                                let d = di + (iy * g.inWidth + ix) * c
                                for ch in 0..<c { d[ch] += grad[ch] * scale }
                            }
                        }
                    }
                }
            }
        }
    }

    @inline(__always) static func window(_ g: Geometry, _ oy: Int, _ ox: Int) -> (Range<Int>, Range<Int>) {
        let y0 = oy * g.strideY - g.padTop
        let x0 = ox * g.strideX - g.padLeft
        return (max(y0, 0)..<min(y0 + g.windowY, g.inHeight), max(x0, 0)..<min(x0 + g.windowX, g.inWidth))
    }
}
