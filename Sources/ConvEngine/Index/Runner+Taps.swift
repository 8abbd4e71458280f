extension Runner {
    /// Runs `n` inputs of the model (laid one after another, n ≤ `batch`) through layers 0…`last`, handing each
    /// layer's `n` outputs to `visit(layer, outputs)` as soon as they are made; they are overwritten two layers on.
    /// Keeps two buffers of `batch` × the largest layer, as `lastOutputs` does.
    func forward(_ inputs: UnsafeBufferPointer<Float>, count n: Int, through last: Int,
                 visit: (Int, UnsafePointer<Float>) -> Void) {
        precondition(n >= 1 && n <= batch && inputs.count == n * model.input.count && last < layers.count,
                     "a batch this runner was sized for")
        let largest = max(model.input.count, layers.prefix(last + 1).map(\.output.count).max() ?? 0)
        if passBuffers.isEmpty || passBuffers[0].count < batch * largest {
            passBuffers = (0..<2).map { _ in
                [Float](unsafeUninitializedCapacity: batch * largest) { _, count in count = batch * largest }
            }
        }
        var x = passBuffers[0]
        var y = passBuffers[1]
        passBuffers = []
        defer { passBuffers = [x, y] }
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
