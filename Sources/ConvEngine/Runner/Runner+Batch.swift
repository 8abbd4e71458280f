extension Runner {
    /// The last layer's outputs (logits) for `n` inputs of layer `start` laid one after another (n ≤ `batch`; `start`
    /// 0:
    /// preprocessed images): a plain batched forward pass that keeps only two buffers (Score-CAM runs one per group of
    /// masked images, Ablation-CAM one per group of ablated activations from its layer on).
    public func lastOutputs(_ inputs: [Float], count n: Int, from start: Int = 0) -> [Float] {
        precondition(
            n >= 1 && n <= batch && inputs.count == n * inputShape(start).count, "a batch this runner was sized for")
        let largest = max(model.input.count, layers.map(\.output.count).max() ?? 0)
        // Two buffers of `batch` × the largest layer, made once and kept (205 MB each for 16 VGG16 images: made
        // afresh per call they cost a page fault per 4 KB, every batch).
        if passBuffers.isEmpty {
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

    /// Class `k`'s score (`kind`: its probability or its logit) for `n` preprocessed images laid one after another,
    /// run `batch`'s size at a time (a runner of 16 made here when none is given): the causal curves, ROAD, occlusion,
    /// SmoothGrad and Integrated Gradients' scores.
    public func classScores(
        _ inputs: [Float], count n: Int, classIndex k: Int, kind: CAMScore = .probability, batch: Runner? = nil
    ) -> [Float] {
        let batched = batch ?? batchRunner()
        let units = layers[layers.count - 1].output.count
        let size = model.input.count
        var scores: [Float] = []
        var start = 0
        while start < n {
            let m = min(batched.batch, n - start)
            let out = batched.lastOutputs(Array(inputs[start * size..<(start + m) * size]), count: m)
            for j in 0..<m {
                scores.append(classification(logits: Array(out[j * units..<(j + 1) * units])).score(k, kind))
            }
            start += m
        }
        return scores
    }
}
