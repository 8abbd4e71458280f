/// Direct-loop 3×3 'same' convolutions in Double, the reference the im2col + sgemm code is checked against.
enum NaiveConvolution {
    /// ReLU(bias + Σ x·K) with zero padding; x (H,W,Cin), kernel HWIO.
    static func forward(
        _ x: [Float], height h: Int, width w: Int, inChannels cin: Int,
        kernel: [Float], bias: [Float], outChannels cout: Int
    ) -> [Double] {
        var y = [Double](repeating: 0, count: h * w * cout)
        for oy in 0..<h {
            for ox in 0..<w {
                for o in 0..<cout {
                    var s = Double(bias[o])
                    for ky in 0..<3 {
                        for kx in 0..<3 {
                            let iy = oy + ky - 1
                            let ix = ox + kx - 1
                            guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
                            for c in 0..<cin {
                                s +=
                                    Double(x[(iy * w + ix) * cin + c])
                                    * Double(kernel[((ky * 3 + kx) * cin + c) * cout + o])
                            }
                        }
                    }
                    y[(oy * w + ox) * cout + o] = max(s, 0)
                }
            }
        }
        return y
    }

    /// ∂L/∂x given ∂L/∂(pre-activation): the transposed convolution, scattering each output's gradient back.
    static func backwardInput(
        _ dy: [Float], height h: Int, width w: Int, inChannels cin: Int,
        kernel: [Float], outChannels cout: Int
    ) -> [Double] {
        var dx = [Double](repeating: 0, count: h * w * cin)
        for oy in 0..<h {
            for ox in 0..<w {
                for o in 0..<cout {
                    let g = Double(dy[(oy * w + ox) * cout + o])
                    for ky in 0..<3 {
                        for kx in 0..<3 {
                            let iy = oy + ky - 1
                            let ix = ox + kx - 1
                            guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
                            for c in 0..<cin {
                                dx[(iy * w + ix) * cin + c] += g * Double(kernel[((ky * 3 + kx) * cin + c) * cout + o])
                            }
                        }
                    }
                }
            }
        }
        return dx
    }
}
