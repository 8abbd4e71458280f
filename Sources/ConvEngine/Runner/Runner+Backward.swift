/// One layer backward over a batch, beside its forward in `Runner+Forward.swift`.
extension Runner {
    /// dy = ∂L/∂(layer i's output) (overwritten: the activation's backward runs in place) → dx = ∂L/∂(its input).
    /// With `activationDone`, dy is already taken past the layer's own activation (filter ascent does that itself).
    /// With `stopsAt` (the layer whose output gradient the caller wants), a dense layer computes ∂L/∂x only where
    /// x ≠ 0 when `denseInputGradientIsMasked` says the rest is zeroed below anyway (fc1 is 411 MB: half the rows or
    /// fewer are read).
    func backwardLayer(
        _ i: Int, dy: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, y: UnsafePointer<Float>, batch n: Int,
        dx: UnsafeMutablePointer<Float>, rule: ReLURule = .plain, activationDone: Bool = false,
        stopsAt target: Int? = nil
    ) {
        let s = inputShape(i)
        let o = layers[i].output
        switch layers[i].kind {
        case .conv2D(let c):
            if !activationDone { activationBackward(c.activation, dy, output: y, count: n * o.count, rule: rule) }
            convolutionInputGradient(i, c, dy: dy, batch: n, s, o, dx: dx)
        case .dense(let d):
            if !activationDone { activationBackward(d.activation, dy, output: y, count: n * o.count, rule: rule) }
            let masked = target.map { denseInputGradientIsMasked(i, rule: rule, stopsAt: $0) } ?? false
            // ∂L/∂x for the kernel's rows (all of them, or one chunk of a kernel not held).
            d.forEachRows(ways: ways) { rows, k in
                let first = rows.lowerBound
                for b in 0..<n {
                    Dense.backwardInput(
                        dy: dy + b * d.outputs, kernel: k.baseAddress!, inputs: rows.count, outputs: d.outputs,
                        dx: dx + b * d.inputs + first, onlyWhereNonZero: masked ? x + b * d.inputs + first : nil,
                        ways: ways)
                }
            }
        case .channelAffine(let p):
            ElementWise.affineBackward(p, dy: dy, dx: dx, pixels: n * s.height * s.width, channels: s.channels)
        case .activation(let a):
            if !activationDone { activationBackward(a, dy, output: y, count: n * o.count, rule: rule) }
            dx.update(from: dy, count: n * s.count)
        case .maxPool(let p):
            if p.isPlain2x2 && s.height % 2 == 0 && s.width % 2 == 0 {
                MaxPool2x2.backward(
                    dy: dy, x: x, height: n * s.height, width: s.width, channels: s.channels, dx: dx, ways: ways)
            } else {
                Pool2D.backward(max: true, dy: dy, x: x, batch: n, Runner.geometry(p, s, o), dx: dx)
            }
        case .averagePool(let p):
            Pool2D.backward(max: false, dy: dy, x: x, batch: n, Runner.geometry(p, s, o), dx: dx)
        case .globalAveragePool, .globalMaxPool:
            let isMax: Bool
            if case .globalMaxPool = layers[i].kind { isMax = true } else { isMax = false }
            Reshaping.globalPoolBackward(max: isMax, dy: dy, x: x, batch: n, in: s, dx: dx)
        case .zeroPadding(let p):
            guard case .explicit(let top, let left, _, _) = p else { preconditionFailure("checked by Model.init") }
            Reshaping.padBackward(dy: dy, batch: n, in: s, top: top, left: left, out: o, dx: dx)
        case .flatten(let order):
            Reshaping.flatten(order, x: dy, batch: n, in: s, y: dx, backward: true)
        case .dropout:
            dx.update(from: dy, count: n * s.count)
        }
    }

    /// `ElementWise.backward` over the runner's threads, in shares of whole 8-float vectors.
    private func activationBackward(
        _ a: Activation, _ g: UnsafeMutablePointer<Float>, output y: UnsafePointer<Float>, count: Int, rule: ReLURule
    ) {
        let vectors = (count + 7) / 8
        Parallel.split(vectors, ways: count >= 1 << 16 ? ways : 1) { _, share in
            let start = share.lowerBound * 8
            let end = min(share.upperBound * 8, count)
            ElementWise.backward(a, g + start, output: y + start, count: end - start, rule: rule)
        }
    }

    /// ∂L/∂x from ∂L/∂(pre-activation) of convolution layer `i`: by the adjoint of Winograd's forward pass with the
    /// forward kernel (its phases split over the runner's threads) where the layer runs as Winograd.
    private func convolutionInputGradient(
        _ i: Int, _ c: Conv2DParameters, dy: UnsafePointer<Float>, batch n: Int, _ s: TensorShape,
        _ o: TensorShape, dx: UnsafeMutablePointer<Float>
    ) {
        if let kernel = model.winograd.forward(i, c) {
            winogradScratch.withUnsafeMutableBufferPointer { sp in
                Winograd.backwardInput(
                    dy: dy, batch: n, height: s.height, width: s.width, kernel: kernel, dx: dx,
                    scratch: sp.baseAddress!, scratchCount: sp.count, ways: ways)
            }
            return
        }
        c.storage.withFloats { kp in
            im2colScratch.withUnsafeMutableBufferPointer { sp in
                if c.isSame3x3 {
                    Conv3x3.backwardInput(
                        dy: dy, batch: n, height: s.height, width: s.width, inChannels: c.inChannels,
                        kernel: kp.baseAddress!, outChannels: c.outChannels, dx: dx, scratch: sp.baseAddress!,
                        ways: ways)
                } else {
                    ConvGeneral.backwardInput(
                        dy: dy, batch: n, Runner.geometry(c, s, o), kernel: kp.baseAddress!, dx: dx,
                        scratch: sp.baseAddress!)
                }
            }
        }
    }

    /// Whether ∂L/∂x of dense layer `i` is zeroed wherever x = 0 before it reaches layer `target`'s output: below the
    /// dense layer lie only flattens and max pools (a zero there comes from a window of zeros) down to a ReLU that the
    /// backward pass crosses, whose rule keeps nothing where its output is 0 (plain and guided; not deconvnet).
    func denseInputGradientIsMasked(_ i: Int, rule: ReLURule, stopsAt target: Int) -> Bool {
        guard rule != .deconvnet else { return false }
        var j = i - 1
        while j > target {
            switch layers[j].kind {
            case .flatten, .maxPool: j -= 1
            case .conv2D(let c): return c.activation == .relu
            case .dense(let d): return d.activation == .relu
            case .activation(let a): return a == .relu
            default: return false
            }
        }
        return false
    }
}
