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

    /// Runs `body` with the runner's two pass buffers (`batch` × the largest of the input and layers 0…`last`, all
    /// layers when nil), made on first use and kept, made again larger when a call needs more: 205 MB each for 16
    /// VGG16 images, which made afresh per call cost a page fault per 4 KB, every batch.
    func withPassBuffers<R>(through last: Int? = nil, _ body: (inout [Float], inout [Float]) -> R) -> R {
        let largest = max(
            model.input.count, layers.prefix((last ?? layers.count - 1) + 1).map(\.output.count).max() ?? 0)
        if passBuffers.isEmpty || passBuffers[0].count < batch * largest {
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

    /// Layers `start`…`end` − 1 (nil: to the last) over the `n` inputs of layer `start` in `x`, `y` the other buffer;
    /// the outputs end in `x`. A Winograd convolution and the 2×2 max-pool after it run as one (`pooledConvolution`).
    func runLayers(from start: Int, to end: Int? = nil, count n: Int, x: inout [Float], y: inout [Float]) {
        let end = end ?? layers.count
        var i = start
        while i < end {
            let pooled = i + 1 < end ? pooledConvolution(i) : nil
            x.withUnsafeBufferPointer { xp in
                y.withUnsafeMutableBufferPointer { yp in
                    if let kernel = pooled {
                        convolveAndPool(i, kernel, x: xp.baseAddress!, batch: n, y: yp.baseAddress!)
                    } else {
                        forwardLayer(i, x: xp.baseAddress!, batch: n, y: yp.baseAddress!)
                    }
                }
            }
            swap(&x, &y)
            i += pooled == nil ? 1 : 2
        }
    }

    /// Layer `i`'s Winograd kernel when it is a convolution (ReLU or linear) followed by a plain 2×2 max-pool of an
    /// even-sided map: the pool is taken from each output tile as it is made, so the unpooled map is never written
    /// (VGG16's five pools: about 50 MB less memory traffic per image).
    func pooledConvolution(_ i: Int) -> WinogradKernel? {
        guard i + 1 < layers.count, case .conv2D(let c) = layers[i].kind,
            c.activation == .relu || c.activation == .linear, case .maxPool(let p) = layers[i + 1].kind,
            p.isPlain2x2, inputShape(i).height % 2 == 0, inputShape(i).width % 2 == 0
        else { return nil }
        return model.winograd.forward(i, c)
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
