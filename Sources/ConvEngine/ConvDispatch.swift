/// One 3×3 convolution of these weights, forward or input gradient: Winograd when its channel counts fit
/// (`WinogradKernel.fits`), else im2col + `sgemm`. The one place the two paths are chosen, for the model and the
/// filter-ascent lanes alike.
extension VGG16Weights {
    /// Convolution `index` with bias and ReLU over `batch` images. `ways` threads; `im2colScratch` then holds
    /// `ways` × `Conv3x3.scratchCount(inChannels:)` floats.
    func convolve(_ index: Int, x: UnsafePointer<Float>, batch: Int = 1, height: Int, width: Int, y: UnsafeMutablePointer<Float>,
                  im2colScratch: inout [Float], winogradScratch: inout [Float], ways: Int = 1) {
        let p = convs[index], cout = p.bias.count, cin = p.kernel.count / (9 * cout)
        p.bias.withUnsafeBufferPointer { bp in
            if let kernel = winograd.forward(index, of: convs) {
                winogradScratch.withUnsafeMutableBufferPointer { sp in
                    Winograd.forward(x: x, batch: batch, height: height, width: width, kernel: kernel, bias: bp.baseAddress!, relu: true,
                                     y: y, scratch: sp.baseAddress!, scratchCount: sp.count, ways: ways)
                }
            } else {
                p.kernel.withUnsafeBufferPointer { kp in
                    im2colScratch.withUnsafeMutableBufferPointer { sp in
                        Conv3x3.forward(x: x, batch: batch, height: height, width: width, inChannels: cin, kernel: kp.baseAddress!,
                                        bias: bp.baseAddress!, outChannels: cout, y: y, scratch: sp.baseAddress!, ways: ways)
                    }
                }
            }
        }
    }

    /// ∂L/∂x (overwritten) from dy = ∂L/∂(pre-activation) of convolution `index`, over `batch` images, on this thread.
    func convolutionInputGradient(_ index: Int, dy: UnsafePointer<Float>, batch: Int = 1, height: Int, width: Int,
                                  dx: UnsafeMutablePointer<Float>, im2colScratch: inout [Float], winogradScratch: inout [Float]) {
        if let kernel = winograd.inputGradient(index, of: convs) {
            winogradScratch.withUnsafeMutableBufferPointer { sp in
                Winograd.forward(x: dy, batch: batch, height: height, width: width, kernel: kernel, bias: nil, relu: false,
                                 y: dx, scratch: sp.baseAddress!, scratchCount: sp.count)
            }
        } else {
            let p = convs[index], cout = p.bias.count
            p.kernel.withUnsafeBufferPointer { kp in
                im2colScratch.withUnsafeMutableBufferPointer { sp in
                    Conv3x3.backwardInput(dy: dy, batch: batch, height: height, width: width, inChannels: p.kernel.count / (9 * cout),
                                          kernel: kp.baseAddress!, outChannels: cout, dx: dx, scratch: sp.baseAddress!)
                }
            }
        }
    }
}
