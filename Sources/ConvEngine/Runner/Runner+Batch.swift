extension Runner {
    /// The last layer's outputs (logits) for `n` inputs of layer `start` laid one after another (n ≤ `batch`;
    /// `start` 0: preprocessed images): a plain batched forward pass that keeps only two buffers (Ablation-CAM runs one
    /// per group of ablated activations from its layer on).
    public func lastOutputs(_ inputs: [Float], count n: Int, from start: Int = 0) -> [Float] {
        precondition(
            n >= 1 && n <= batch && inputs.count == n * inputShape(start).count, "a batch this runner was sized for")
        return withPassBuffers { x, y in
            x.withUnsafeMutableBufferPointer { p in
                _ = UnsafeMutableBufferPointer(rebasing: p[..<inputs.count]).update(fromContentsOf: inputs)
            }
            runLayers(from: start, count: n, x: &x, y: &y)
            return Array(x.prefix(n * (layers.last?.output.count ?? 0)))
        }
    }

    /// Runs `body` with the runner's two pass buffers (`batch` × the largest layer each), made on first use and kept:
    /// 205 MB each for 16 VGG16 images, which made afresh per call cost a page fault per 4 KB, every batch.
    func withPassBuffers<R>(_ body: (inout [Float], inout [Float]) -> R) -> R {
        let largest = max(model.input.count, layers.map(\.output.count).max() ?? 0)
        if passBuffers.isEmpty {
            passBuffers = (0..<2).map { _ in
                [Float](unsafeUninitializedCapacity: batch * largest) { _, count in count = batch * largest }
            }
        }
        var x = passBuffers[0]
        var y = passBuffers[1]
        passBuffers = []
        defer { passBuffers = [x, y] }
        return body(&x, &y)
    }

    /// Layers `start`… over the `n` inputs of layer `start` in `x`, `y` the other buffer; the outputs end in `x`.
    func runLayers(from start: Int, count n: Int, x: inout [Float], y: inout [Float]) {
        for i in start..<layers.count {
            x.withUnsafeBufferPointer { xp in
                y.withUnsafeMutableBufferPointer { yp in
                    forwardLayer(i, x: xp.baseAddress!, batch: n, y: yp.baseAddress!)
                }
            }
            swap(&x, &y)
        }
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
