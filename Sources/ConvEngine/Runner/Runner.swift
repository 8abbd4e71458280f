import Foundation

/// Walks any `Model`: a forward pass that keeps every layer's output, a backward pass from any layer's gradient to
/// any earlier layer or the input (the ReLU rule a parameter), and the same steps over a batch for filter ascent.
/// Buffers are sized once, for `batch` images. Not thread-safe: use one runner from one queue (or one per lane).
public final class Runner {
    public let model: Model
    public var layers: [Layer] { model.layers }
    public let batch: Int
    /// Threads one step is split over (1 for a filter-ascent lane, which runs beside the others).
    let ways: Int
    var im2colScratch: [Float]
    var winogradScratch: [Float]
    /// `lastOutputs`'s two buffers, made on its first call.
    var passBuffers: [[Float]] = []
    /// How many images a batched pass runs through the layers below the classifier head at once (`lastOutputs`, the
    /// local passes): the buffers are this many of the largest map, not `batch` many (VGG16: 103 MB instead of 411),
    /// and the head still takes the whole batch, so its weights are read as seldom as before. Four, not eight: the
    /// layers that fill the buffers (block1's 224×224 maps) have thousands of tiles per image, so a larger batch buys
    /// their products nothing; Score-CAM on VGG16 peaks 100 MiB lower for about 1 % more CPU (24.3–24.4 s of user
    /// time at 8, 24.3–25.3 at 4, 25.0–25.1 at 2 with 150 MiB less).
    public var passBatch = 4
    /// The last image's deletion and insertion curve ends (`curveEnds`).
    var curveEndsCache: CurveEnds?
    /// Dense layers' kernel rows summed by channel (`channelRowSums`), by layer index.
    var channelRowSumsCache: [Int: [Float]] = [:]
    private var cachedBatchRunner: Runner?

    /// A runner for batches of 16 images of the same model (Score-CAM, Ablation-CAM, the causal curves, ROAD,
    /// occlusion), made on first use and kept, so a scoreboard's thirty curves share one set of buffers (about 450 MB
    /// for VGG16: `dropBatchRunner()` when a long run ends).
    public func batchRunner() -> Runner {
        if batch >= 16 { return self }
        if let r = cachedBatchRunner { return r }
        let r = Runner(model: model, batch: 16, ways: ways)
        cachedBatchRunner = r
        return r
    }

    /// Lets the batch runner and its buffers go.
    public func dropBatchRunner() { cachedBatchRunner = nil }

    /// What a long run leaves behind goes when it ends: the batch runner and its buffers. (The backward pass
    /// through a convolution uses the forward Winograd kernels: it leaves no kernels of its own.)
    public func releaseRunMemory() {
        dropBatchRunner()
    }

    /// `through` limits the layers the buffers are sized for (a filter ascent stops at its layer).
    public init(model: Model, batch: Int = 1, through: Int? = nil, ways: Int = Parallel.cores) {
        self.model = model
        self.batch = batch
        self.ways = ways
        let last = through ?? model.layers.count - 1
        let (im2col, winograd) = Runner.scratchCounts(model, batch: batch, through: last, ways: ways)
        im2colScratch = [Float](repeating: 0, count: im2col)
        winogradScratch = [Float](repeating: 0, count: winograd)
        Parallel.useSingleThreadedBLAS()
        model.winograd.prepareForward(Array(model.layers.prefix(last + 1)))
    }

    /// The floats of scratch the runner holds (im2col and Winograd).
    var scratchFloats: Int { im2colScratch.count + winogradScratch.count }

    /// The floats of im2col and Winograd scratch a runner of `batch` images over layers 0...`last` holds.
    static func scratchCounts(
        _ model: Model, batch: Int, through last: Int, ways: Int
    ) -> (im2col: Int, winograd: Int) {
        var im2col = 0
        var winograd = 0
        for i in 0...max(last, 0) where i < model.layers.count {
            guard case .conv2D(let c) = model.layers[i].kind else { continue }
            let s = Runner.inputShape(model, i)
            if WinogradKernels.fits(c) {
                winograd = max(
                    winograd,
                    Winograd.scratchCount(
                        batch: batch, height: s.height, width: s.width,
                        inChannels: c.inChannels, outChannels: c.outChannels))
            } else if c.isSame3x3 {
                im2col = max(im2col, ways * Conv3x3.scratchCount(inChannels: c.inChannels))
            } else {
                im2col = max(im2col, ways * ConvGeneral.scratchCount(Runner.geometry(c, s, model.layers[i].output)))
            }
        }
        return (im2col, winograd)
    }

    /// The floats a runner of `batch` images over all of `model`'s layers, one thread, holds of its own (scratch).
    static func ownFloats(_ model: Model, batch: Int) -> Int {
        let counts = scratchCounts(model, batch: batch, through: model.layers.count - 1, ways: 1)
        return counts.im2col + counts.winograd
    }

    /// The shape reaching layer `i`.
    static func inputShape(_ model: Model, _ i: Int) -> TensorShape {
        i == 0 ? model.input : model.layers[i - 1].output
    }
    func inputShape(_ i: Int) -> TensorShape { Runner.inputShape(model, i) }

    static func geometry(_ c: Conv2DParameters, _ s: TensorShape, _ o: TensorShape) -> ConvGeneral.Geometry {
        guard case .explicit(let top, let left, _, _) = c.padding else {
            preconditionFailure("padding resolved by Model.init")
        }
        return ConvGeneral.Geometry(
            inHeight: s.height, inWidth: s.width, inChannels: c.inChannels, kernelHeight: c.kernelHeight,
            kernelWidth: c.kernelWidth, outChannels: c.outChannels, strideY: c.strides.0,
            strideX: c.strides.1, padTop: top, padLeft: left, outHeight: o.height, outWidth: o.width)
    }

    static func geometry(_ p: PoolParameters, _ s: TensorShape, _ o: TensorShape) -> Pool2D.Geometry {
        guard case .explicit(let top, let left, _, _) = p.padding else {
            preconditionFailure("padding resolved by Model.init")
        }
        return Pool2D.Geometry(
            inHeight: s.height, inWidth: s.width, channels: s.channels, windowY: p.size.0, windowX: p.size.1,
            strideY: p.strides.0, strideX: p.strides.1, padTop: top, padLeft: left,
            outHeight: o.height, outWidth: o.width)
    }

    public func preprocess(rgb: [UInt8]) -> FeatureMap {
        model.preprocessing.apply(rgb: rgb, height: model.input.height, width: model.input.width)
    }

    /// Every layer's output for one preprocessed input (the model's input shape).
    public func forward(_ input: FeatureMap) throws -> Activations { try forward(input, through: layers.count - 1) }

    /// The outputs of layers 0…`last` only, for a method that needs nothing above a layer (Eigen-CAM): the
    /// activations then know only the hidden layers computed.
    public func forward(_ input: FeatureMap, through last: Int) throws -> Activations {
        precondition(last >= 0 && last < layers.count, "a layer of the model")
        let s = model.input
        guard input.height == s.height, input.width == s.width, input.channels == s.channels else {
            throw EngineError.wrongInputSize(expected: s.count, found: input.data.count)
        }
        var outputs: [FeatureMap] = []
        outputs.reserveCapacity(last + 1)
        for (i, layer) in layers[...last].enumerated() {
            let x = outputs.last ?? input
            let o = layer.output
            var y = [Float](unsafeUninitializedCapacity: o.count) { _, count in count = o.count }
            x.data.withUnsafeBufferPointer { xp in
                y.withUnsafeMutableBufferPointer { yp in
                    forwardLayer(i, x: xp.baseAddress!, batch: 1, y: yp.baseAddress!)
                }
            }
            outputs.append(FeatureMap(height: o.height, width: o.width, channels: o.channels, data: y))
        }
        return Activations(hidden: model.hiddenLayers.filter { $0.last <= last }, input: input, outputs: outputs)
    }

    /// ∂L/∂(output of layer `from`) → ∂L/∂(output of layer `target`), or of the input for target −1.
    public func backward(
        _ gradient: [Float], from: Int, to target: Int, activations a: Activations,
        rule: ReLURule = .plain
    ) -> [Float] {
        backward(gradient, from: from, to: target, activations: a, rule: rule, sparseDense: true)
    }

    /// As `backward(_:from:to:activations:rule:)`; `sparseDense` false reads every dense row (the tests' reference).
    /// `crossing`: the layer the caller's own gradient will reach below `target` (its activation applied by the
    /// caller), so a dense layer may skip the rows a ReLU on the way there zeroes (default: `target`).
    func backward(
        _ gradient: [Float], from: Int, to target: Int, activations a: Activations, rule: ReLURule, sparseDense: Bool,
        crossing: Int? = nil
    ) -> [Float] {
        precondition(
            from < a.outputs.count && target >= -1 && target <= from && gradient.count == layers[from].output.count)
        var g = gradient
        var i = from
        while i > target {
            let x = i == 0 ? a.input : a.outputs[i - 1]
            // Every layer's backward writes all of dx.
            var dx = [Float](unsafeUninitializedCapacity: x.data.count) { _, count in count = x.data.count }
            g.withUnsafeMutableBufferPointer { gp in
                x.data.withUnsafeBufferPointer { xp in
                    a.outputs[i].data.withUnsafeBufferPointer { yp in
                        dx.withUnsafeMutableBufferPointer { dp in
                            backwardLayer(
                                i, dy: gp.baseAddress!, x: xp.baseAddress!, y: yp.baseAddress!, batch: 1,
                                dx: dp.baseAddress!, rule: rule, stopsAt: sparseDense ? (crossing ?? target) : nil)
                        }
                    }
                }
            }
            g = dx
            i -= 1
        }
        return g
    }
}
