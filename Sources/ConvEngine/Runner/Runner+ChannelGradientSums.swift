import COpenBLAS

/// Grad-CAM's channel weights without the backward pass through fc1. Grad-CAM needs only Σ over positions of
/// ∂score/∂A_k. Between VGG's last convolution and fc1 lie a max-pool and a flatten, and a max-pool hands each output's
/// gradient whole to one input (average pools: in shares summing to it), so the per-channel sum of
/// ∂score/∂A is the per-channel sum of ∂score/∂(fc1's input): S · ∂score/∂(fc1's pre-activation), with S fc1's
/// kernel rows summed by channel (`DenseChannelSums`), made once per runner.
extension Runner {
    /// The dense layer that reads layer `target`'s output through max-, average and global pools, dropout and a
    /// flatten only (VGG16's fc1 above `block5_conv3` or `block5_pool`), or nil. Pools' backward passes must keep
    /// each window's gradient sum (`MaxPool2x2` and `Pool2D` give a tie's gradient to its first maximum).
    func denseAbovePools(_ target: Int) -> Int? {
        guard target >= 0 else { return nil }
        var j = target + 1
        while j < layers.count {
            switch layers[j].kind {
            case .dense: return j
            case .maxPool, .averagePool, .globalMaxPool, .globalAveragePool, .flatten, .dropout: j += 1
            default: return nil
            }
        }
        return nil
    }

    /// Σ over positions of ∂L/∂(layer `target`'s output), one per channel, where ∂L/∂(layer `from`'s output) is
    /// `gradient`; nil where only pools and a flatten do not join `target` to a dense layer at or below `from`.
    public func channelGradientSums(
        _ gradient: [Float], from: Int, to target: Int, activations a: Activations
    ) -> [Float]? {
        guard let d = denseAbovePools(target), d <= from, case .dense(let p) = layers[d].kind else { return nil }
        // Below d lies its own ReLU, applied next: dense layers above it read only the rows under its non-zero outputs.
        var g = backward(gradient, from: from, to: d, activations: a, rule: .plain, sparseDense: true, crossing: target)
        g.withUnsafeMutableBufferPointer { gp in
            a.outputs[d].data.withUnsafeBufferPointer { yp in
                ElementWise.backward(p.activation, gp.baseAddress!, output: yp.baseAddress!, count: p.outputs)
            }
        }
        let channels = layers[target].output.channels
        let s = channelRowSums(d, above: target)
        var sums = [Float](repeating: 0, count: channels)
        cblas_sgemv(
            CblasRowMajor, CblasNoTrans, Int32(channels), Int32(p.outputs), 1, s, Int32(p.outputs), g, 1, 0, &sums, 1)
        return sums
    }

    /// Dense layer `d`'s kernel rows summed by the channel of layer `target`'s output each input comes from, made on
    /// first use (`d` is `denseAbovePools(target)`).
    func channelRowSums(_ d: Int, above target: Int) -> [Float] {
        if let s = channelRowSumsCache[d] { return s }
        guard case .dense(let p) = layers[d].kind else { preconditionFailure("a dense layer") }
        let channels = layers[target].output.channels
        let channelOf = channelOfInput(d, above: target)
        var s = [Float](repeating: 0, count: channels * p.outputs)
        s.withUnsafeMutableBufferPointer { sp in
            channelOf.withUnsafeBufferPointer { cp in
                // A kernel not held (a long run's, or a randomised one) is read a chunk of rows at a time.
                p.forEachRows(ways: ways) { rows, k in
                    DenseChannelSums.add(
                        kernelRows: k.baseAddress!, channelOf: UnsafeBufferPointer(rebasing: cp[rows]),
                        channels: channels, outputs: p.outputs, into: sp.baseAddress!, ways: ways)
                }
            }
        }
        channelRowSumsCache[d] = s
        return s
    }

    /// The channel each input of dense layer `d` comes from: the flatten's order applied to a map of channel numbers
    /// (pools keep a value's channel; without a flatten the input is (H, W, C) in that order).
    private func channelOfInput(_ d: Int, above target: Int) -> [Int32] {
        let channels = layers[target].output.channels
        guard let f = (target + 1..<d).last(where: { if case .flatten = layers[$0].kind { true } else { false } }),
            case .flatten(let order) = layers[f].kind
        else { return (0..<inputShape(d).count).map { Int32($0 % channels) } }
        let s = inputShape(f)
        precondition(s.channels == channels, "pools keep the channels")
        let ids = (0..<s.count).map { Float($0 % channels) }
        var flat = [Float](repeating: 0, count: s.count)
        ids.withUnsafeBufferPointer { x in
            flat.withUnsafeMutableBufferPointer { y in
                Reshaping.flatten(order, x: x.baseAddress!, batch: 1, in: s, y: y.baseAddress!)
            }
        }
        return flat.map { Int32($0) }
    }
}
