/// One layer forward over a batch: the op each layer kind runs, Winograd wherever a 3×3 convolution allows it.
extension Runner {
    /// x: `batch` inputs of layer `i`'s input shape → y: `batch` outputs of its output shape. `shapes` runs a
    /// convolution, pool or element-wise layer over a crop of its maps instead (`Runner+LocalChange.swift`).
    func forwardLayer(
        _ i: Int, x: UnsafePointer<Float>, batch n: Int, y: UnsafeMutablePointer<Float>,
        shapes: (TensorShape, TensorShape)? = nil
    ) {
        let (s, o) = shapes ?? (inputShape(i), layers[i].output)
        switch layers[i].kind {
        case .conv2D(let c):
            convolve(i, c, x: x, batch: n, s, o, y: y)
        case .dense(let d):
            // A long run's batch reads a kernel it let go a chunk at a time (`Model.streamingDenseKernels`).
            let streamed = d.bias!.withUnsafeBufferPointer { b in
                d.storage.streamIfLetGo(chunk: Dense.streamRows * d.outputs, ways: ways) { r, k in
                    if r.lowerBound == 0 {  // the sums start from the bias
                        for j in 0..<n { (y + j * d.outputs).update(from: b.baseAddress!, count: d.outputs) }
                    }
                    let rows = (r.lowerBound / d.outputs)..<(r.upperBound / d.outputs)
                    Dense.addBatchRows(
                        x: x, batch: n, rows: rows, kernelRows: k.baseAddress!, inputs: d.inputs,
                        outputs: d.outputs, y: y, ways: ways)
                }
            }
            if streamed {
                if d.activation == .relu { for j in 0..<(n * d.outputs) where y[j] < 0 { y[j] = 0 } }
            } else {
                d.storage.withFloats { k in
                    d.bias!.withUnsafeBufferPointer { b in
                        if n > 1 {
                            Dense.forwardBatch(
                                x: x, batch: n, kernel: k.baseAddress!, bias: b.baseAddress!, inputs: d.inputs,
                                outputs: d.outputs, relu: d.activation == .relu, y: y, ways: ways)
                        } else {
                            Dense.forward(
                                x: x, kernel: k.baseAddress!, bias: b.baseAddress!, inputs: d.inputs,
                                outputs: d.outputs, relu: d.activation == .relu, y: y, ways: ways)
                        }
                    }
                }
            }
            if d.activation != .relu { ElementWise.forward(d.activation, y, count: n * o.count) }
        case .channelAffine(let p):
            ElementWise.affine(p, x: x, y: y, pixels: n * s.height * s.width, channels: s.channels)
        case .activation(let a):
            y.update(from: x, count: n * s.count)
            ElementWise.forward(a, y, count: n * s.count)
        case .maxPool(let p):
            if p.isPlain2x2 && s.height % 2 == 0 && s.width % 2 == 0 {
                // A batch of even-sided maps pools like one tall map.
                MaxPool2x2.forward(x: x, height: n * s.height, width: s.width, channels: s.channels, y: y, ways: ways)
            } else {
                Pool2D.forward(max: true, x: x, batch: n, Runner.geometry(p, s, o), y: y)
            }
        case .averagePool(let p):
            Pool2D.forward(max: false, x: x, batch: n, Runner.geometry(p, s, o), y: y)
        case .globalAveragePool, .globalMaxPool:
            let isMax: Bool
            if case .globalMaxPool = layers[i].kind { isMax = true } else { isMax = false }
            Reshaping.globalPool(max: isMax, x: x, batch: n, in: s, y: y)
        case .zeroPadding(let p):
            guard case .explicit(let top, let left, _, _) = p else { preconditionFailure("checked by Model.init") }
            Reshaping.pad(x: x, batch: n, in: s, top: top, left: left, out: o, y: y)
        case .flatten(let order):
            Reshaping.flatten(order, x: x, batch: n, in: s, y: y)
        case .dropout:
            y.update(from: x, count: n * s.count)
        }
    }

    /// Convolution `i` (ReLU or linear) by Winograd, max-pooled 2×2 as its tiles are made: y is the pool's output.
    func convolveAndPool(
        _ i: Int, _ kernel: WinogradKernel, x: UnsafePointer<Float>, batch n: Int, y: UnsafeMutablePointer<Float>
    ) {
        guard case .conv2D(let c) = layers[i].kind else { preconditionFailure("a convolution") }
        let s = inputShape(i)
        c.bias!.withUnsafeBufferPointer { bp in
            winogradScratch.withUnsafeMutableBufferPointer { sp in
                Winograd.forward(
                    x: x, batch: n, height: s.height, width: s.width, kernel: kernel, bias: bp.baseAddress!,
                    relu: c.activation == .relu, y: y, scratch: sp.baseAddress!, scratchCount: sp.count, ways: ways,
                    pool: true)
            }
        }
    }

    /// Convolution with bias and its activation: Winograd, 3×3 im2col, or any-shape im2col.
    private func convolve(
        _ i: Int, _ c: Conv2DParameters, x: UnsafePointer<Float>, batch n: Int, _ s: TensorShape, _ o: TensorShape,
        y: UnsafeMutablePointer<Float>
    ) {
        let fusedReLU = c.activation == .relu
        c.bias!.withUnsafeBufferPointer { bp in
            if let kernel = model.winograd.forward(i, c) {
                winogradScratch.withUnsafeMutableBufferPointer { sp in
                    Winograd.forward(
                        x: x, batch: n, height: s.height, width: s.width, kernel: kernel, bias: bp.baseAddress!,
                        relu: fusedReLU, y: y, scratch: sp.baseAddress!, scratchCount: sp.count, ways: ways)
                }
                if !fusedReLU { ElementWise.forward(c.activation, y, count: n * o.count) }
                return
            }
            c.storage.withFloats { kp in
                im2colScratch.withUnsafeMutableBufferPointer { sp in
                    if c.isSame3x3 {
                        Conv3x3.forward(
                            x: x, batch: n, height: s.height, width: s.width, inChannels: c.inChannels,
                            kernel: kp.baseAddress!,
                            bias: bp.baseAddress!, outChannels: c.outChannels, relu: fusedReLU, y: y,
                            scratch: sp.baseAddress!, ways: ways)
                        if !fusedReLU { ElementWise.forward(c.activation, y, count: n * o.count) }
                    } else {
                        ConvGeneral.forward(
                            x: x, batch: n, Runner.geometry(c, s, o), kernel: kp.baseAddress!, bias: bp.baseAddress!,
                            y: y, scratch: sp.baseAddress!, ways: ways)
                        ElementWise.forward(c.activation, y, count: n * o.count)
                    }
                }
            }
        }
    }
}
