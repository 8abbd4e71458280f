/// Direct-loop 3×3 'same' convolutions in Double, the reference the im2col + sgemm code is checked against.
enum NaiveConvolution {
    /// ReLU(bias + Σ x·K) with zero padding; x (H,W,Cin), kernel HWIO.
    static func forward(
        _ x: [Float], height h: Int, width w: Int, inChannels cin: Int,
        kernel: [Float], bias: [Float], outChannels cout: Int
    ) -> [Double] {
        var y = (0..<(h * w * cout)).map { Double(bias[$0 % cout]) }
        taps(height: h, width: w, inChannels: cin, outChannels: cout) { out, input, k in
            y[out] += Double(x[input]) * Double(kernel[k])
        }
        return y.map { max($0, 0) }
    }

    /// ∂L/∂x given ∂L/∂(pre-activation): the transposed convolution, scattering each output's gradient back.
    static func backwardInput(
        _ dy: [Float], height h: Int, width w: Int, inChannels cin: Int,
        kernel: [Float], outChannels cout: Int
    ) -> [Double] {
        var dx = [Double](repeating: 0, count: h * w * cin)
        taps(height: h, width: w, inChannels: cin, outChannels: cout) { out, input, k in
            dx[input] += Double(dy[out]) * Double(kernel[k])
        }
        return dx
    }

    /// Every (output index, input index, kernel index) a 3×3 'same' convolution multiplies, padding left out.
    private static func taps(
        height h: Int, width w: Int, inChannels cin: Int, outChannels cout: Int, _ body: (Int, Int, Int) -> Void
    ) {
        for oy in 0..<h {
            for ox in 0..<w {
                for o in 0..<cout {
                    for ky in 0..<3 {
                        for kx in 0..<3 {
                            let iy = oy + ky - 1
                            let ix = ox + kx - 1
                            guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
                            for c in 0..<cin {
                                body(
                                    (oy * w + ox) * cout + o, (iy * w + ix) * cin + c,
                                    ((ky * 3 + kx) * cin + c) * cout + o)
                            }
                        }
                    }
                }
            }
        }
    }
}
