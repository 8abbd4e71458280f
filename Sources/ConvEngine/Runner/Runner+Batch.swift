extension Runner {
    /// The last layer's outputs (logits) for `n` inputs of layer `start` laid one after another (n ≤ `batch`; `start` 0:
    /// preprocessed images): a plain batched forward pass that keeps only two buffers (Score-CAM runs one per group of
    /// masked images, Ablation-CAM one per group of ablated activations from its layer on).
    public func lastOutputs(_ inputs: [Float], count n: Int, from start: Int = 0) -> [Float] {
        precondition(
            n >= 1 && n <= batch && inputs.count == n * inputShape(start).count, "a batch this runner was sized for")
        let largest = max(model.input.count, layers.map(\.output.count).max() ?? 0)
        var x = [Float](repeating: 0, count: n * largest)
        var y = x
        x.withUnsafeMutableBufferPointer { p in _ = p.initialize(from: inputs) }
        for i in start..<layers.count {
            x.withUnsafeBufferPointer { xp in
                y.withUnsafeMutableBufferPointer { yp in
                    forwardLayer(i, x: xp.baseAddress!, batch: n, y: yp.baseAddress!)
                }
            }
            swap(&x, &y)
        }
        return Array(x.prefix(n * (layers.last?.output.count ?? 0)))
    }
}
