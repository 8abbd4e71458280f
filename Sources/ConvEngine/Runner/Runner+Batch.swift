extension Runner {
    /// The last layer's outputs (logits) for `n` inputs of layer `start` laid one after another (n ≤ `batch`;
    /// `start` 0: preprocessed images): a plain batched forward pass that keeps only two buffers (Ablation-CAM runs one
    /// per group of ablated activations from its layer on). The layers below the classifier head run `passBatch`
    /// images at a time (each image's maps are the same sums whichever images share its pass) into the head's `n`
    /// inputs; the head takes all `n` at once.
    public func lastOutputs(_ inputs: [Float], count n: Int, from start: Int = 0) -> [Float] {
        precondition(
            n >= 1 && n <= batch && inputs.count == n * inputShape(start).count, "a batch this runner was sized for")
        let head = max(headStart ?? layers.count, start)
        let mid = head > start ? belowHead(inputs, count: n, from: start, to: head) : inputs
        return head < layers.count ? headOutputs(mid, count: n, from: head) : mid
    }

    /// Layer `end` − 1's outputs for `n` inputs of layer `start`, run `passBatch(n, over:)` images at a time.
    private func belowHead(_ inputs: [Float], count n: Int, from start: Int, to end: Int) -> [Float] {
        let m = passBatch(n, over: start..<end)
        let inSize = inputShape(start).count
        let outSize = layers[end - 1].output.count
        let largest = max(inSize, layers[start..<end].map(\.output.count).max() ?? 0)
        var out = [Float](unsafeUninitializedCapacity: n * outSize) { _, count in count = n * outSize }
        withPassBuffers(floats: m * largest) { x, y in
            var first = 0
            while first < n {
                let k = min(m, n - first)
                x.withUnsafeMutableBufferPointer { p in
                    inputs.withUnsafeBufferPointer { ip in
                        p.baseAddress!.update(from: ip.baseAddress! + first * inSize, count: k * inSize)
                    }
                }
                runLayers(from: start, to: end, count: k, x: &x, y: &y)
                x.withUnsafeBufferPointer { p in
                    out.withUnsafeMutableBufferPointer { op in
                        (op.baseAddress! + first * outSize).update(from: p.baseAddress!, count: k * outSize)
                    }
                }
                first += k
            }
        }
        return out
    }

    /// Runs `body` with the runner's two pass buffers, each at least `floats` long, made on first use and kept, made
    /// again larger when a call needs more: a local pass's buffers hold `passBatch` × the largest map (51 MB each for
    /// VGG16 at 4 images), which made afresh per call cost a page fault per 4 KB, every batch.
    func withPassBuffers<R>(floats: Int, _ body: (inout [Float], inout [Float]) -> R) -> R {
        if passBuffers.isEmpty || passBuffers[0].count < floats {
            passBuffers = []  // the smaller ones go before the larger are made
            passBuffers = (0..<2).map { _ in
                [Float](unsafeUninitializedCapacity: floats) { _, count in count = floats }
            }
        }
        var x = passBuffers[0]
        var y = passBuffers[1]
        passBuffers = []
        defer { passBuffers = [x, y] }
        return body(&x, &y)
    }

    /// How many of `n` images run through `layers` at once: `passBatch`, or all `n` when a dense layer is among them
    /// (a dense layer's sums for one image are taken otherwise than for several).
    func passBatch(_ n: Int, over range: Range<Int>) -> Int {
        let dense = layers[range].contains { if case .dense = $0.kind { true } else { false } }
        return dense ? n : min(n, passBatch)
    }

    /// Floats of each pass buffer for `n` inputs of the model through layers 0…`last` (nil: all layers).
    func passFloats(_ n: Int, through last: Int? = nil) -> Int {
        n * max(model.input.count, layers.prefix((last ?? layers.count - 1) + 1).map(\.output.count).max() ?? 0)
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
