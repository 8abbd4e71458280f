extension Runner {
    /// Runs `n` inputs of the model (laid one after another, n ≤ `batch`) through layers 0…`last`, handing each
    /// layer's `n` outputs to `visit(layer, outputs)` as soon as they are made; they are overwritten two layers on.
    /// Keeps two buffers of `n` × the largest layer.
    func forward(
        _ inputs: UnsafeBufferPointer<Float>, count n: Int, through last: Int,
        visit: (Int, UnsafePointer<Float>) -> Void
    ) {
        precondition(
            n >= 1 && n <= batch && inputs.count == n * model.input.count && last < layers.count,
            "a batch this runner was sized for")
        withPassBuffers(floats: passFloats(n, through: last)) { x, y in
            x.withUnsafeMutableBufferPointer { p in
                _ = UnsafeMutableBufferPointer(rebasing: p[..<inputs.count]).update(fromContentsOf: inputs)
            }
            for i in 0...last {
                x.withUnsafeBufferPointer { xp in
                    y.withUnsafeMutableBufferPointer { yp in
                        forwardLayer(i, x: xp.baseAddress!, batch: n, y: yp.baseAddress!)
                        visit(i, UnsafePointer(yp.baseAddress!))
                    }
                }
                swap(&x, &y)
            }
        }
    }
}
