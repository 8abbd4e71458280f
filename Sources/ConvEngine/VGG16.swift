import COpenBLAS
import Foundation

/// VGG16 exactly as Keras builds it, running on OpenBLAS. Not thread-safe: use one instance from one serial queue.
public final class VGG16 {
    public let weights: VGG16Weights
    public var architecture: Architecture { weights.architecture }
    public let layers: [LayerInfo]
    /// For each hidden layer, the index of its convolution's parameters in `weights.convs` (nil for a pool).
    private let convIndex: [Int?]
    private var scratch: [Float]
    /// Winograd's per-chunk buffers (transformed input and products).
    private var winogradScratch: [Float]
    /// Threads a pass splits its layers over.
    private let cores = Parallel.cores

    public init(weights: VGG16Weights) {
        self.weights = weights
        self.layers = weights.architecture.hiddenLayers
        var next = 0
        self.convIndex = layers.map { layer -> Int? in
            guard layer.isConv else { return nil }
            defer { next += 1 }
            return next
        }
        let widest = weights.architecture.convShapes.map(\.inChannels).max() ?? 3
        self.scratch = [Float](repeating: 0, count: cores * Conv3x3.scratchCount(inChannels: widest))
        var side = weights.architecture.inputSize, floats = 0
        for layer in layers {
            if case .conv(let cin, let cout) = layer.kind {
                floats = max(floats, Winograd.scratchCount(height: side, width: side, inChannels: cin, outChannels: cout))
            }
            side = layer.height
        }
        self.winogradScratch = [Float](repeating: 0, count: floats)
        Parallel.useSingleThreadedBLAS()
        weights.winograd.prepareForward(weights.convs)
    }

    public func preprocess(rgb: [UInt8]) -> FeatureMap {
        weights.preprocessing.apply(rgb: rgb, height: architecture.inputSize, width: architecture.inputSize)
    }

    /// The 18 hidden layers for one preprocessed input (inputSize, inputSize, 3).
    public func forward(_ input: FeatureMap) throws -> Activations {
        let n = architecture.inputSize
        guard input.height == n, input.width == n, input.channels == 3 else {
            throw EngineError.wrongInputSize(expected: n * n * 3, found: input.data.count)
        }
        var outputs: [FeatureMap] = []
        outputs.reserveCapacity(layers.count)
        for info in layers {
            let x = outputs.last ?? input
            var y = [Float](unsafeUninitializedCapacity: info.count) { _, count in count = info.count }
            x.data.withUnsafeBufferPointer { xp in
                y.withUnsafeMutableBufferPointer { yp in
                    switch info.kind {
                    case .conv:
                        weights.convolve(convIndex[info.index]!, x: xp.baseAddress!, height: x.height, width: x.width,
                                         y: yp.baseAddress!, im2colScratch: &scratch, winogradScratch: &winogradScratch, ways: cores)
                    case .pool:
                        MaxPool2x2.forward(x: xp.baseAddress!, height: x.height, width: x.width, channels: x.channels, y: yp.baseAddress!,
                                           ways: cores)
                    }
                }
            }
            outputs.append(FeatureMap(height: info.height, width: info.width, channels: info.channels, data: y))
        }
        return Activations(architecture: architecture, input: input, layers: outputs)
    }

    /// fc1 → fc2 → predictions → softmax on the last pool. Throws for a backbone.
    public func classify(_ activations: Activations) throws -> Classification {
        guard let dense = weights.classifier else { throw EngineError.noClassifier(weights: weights.sourceName) }
        let a = architecture
        let flat = activations.layers[layers.count - 1].data
        let fc1 = run(dense[0], flat, inputs: a.flattenSize, outputs: a.fcWidth, relu: true)
        let fc2 = run(dense[1], fc1, inputs: a.fcWidth, outputs: a.fcWidth, relu: true)
        let logits = run(dense[2], fc2, inputs: a.fcWidth, outputs: a.classes, relu: false)
        return Classification(fc1: fc1, fc2: fc2, logits: logits, probabilities: Softmax.forward(logits))
    }

    private func run(_ p: DenseParameters, _ x: [Float], inputs: Int, outputs: Int, relu: Bool) -> [Float] {
        var y = [Float](repeating: 0, count: outputs)
        Dense.forward(x: x, kernel: p.kernel, bias: p.bias, inputs: inputs, outputs: outputs, relu: relu, y: &y, ways: cores)
        return y
    }

    /// ∂(output of layer `from`) → ∂(output of layer `from − 1`), or of the input for layer 0.
    /// `gradient` is with respect to layer `from`'s output (after ReLU for a convolution).
    public func backward(_ gradient: [Float], throughLayer from: Int, activations: Activations) -> [Float] {
        let info = layers[from]
        let x = from == 0 ? activations.input : activations.layers[from - 1]
        var dx = [Float](repeating: 0, count: x.data.count)
        switch info.kind {
        case .pool:
            MaxPool2x2.backward(dy: gradient, x: x.data, height: x.height, width: x.width, channels: x.channels, dx: &dx)
        case .conv(let cin, let cout):
            var dpre = gradient
            activations.layers[from].data.withUnsafeBufferPointer { yp in
                Conv3x3.reluBackward(&dpre, output: yp.baseAddress!, count: dpre.count)
            }
            weights.convs[convIndex[from]!].kernel.withUnsafeBufferPointer { kp in
                scratch.withUnsafeMutableBufferPointer { sp in
                    Conv3x3.backwardInput(dy: dpre, height: x.height, width: x.width, inChannels: cin, kernel: kp.baseAddress!,
                                          outChannels: cout, dx: &dx, scratch: sp.baseAddress!)
                }
            }
        }
        return dx
    }

    /// ∂(logit or probability of `classIndex`) with respect to the last pool's output, through the classifier.
    public func scoreGradient(_ c: Classification, classIndex: Int, score: CAMScore) throws -> [Float] {
        guard let dense = weights.classifier else { throw EngineError.noClassifier(weights: weights.sourceName) }
        let a = architecture
        guard classIndex >= 0 && classIndex < a.classes else { throw EngineError.classOutOfRange(classIndex, classes: a.classes) }
        var dLogits: [Float]
        switch score {
        case .logit: dLogits = [Float](repeating: 0, count: a.classes); dLogits[classIndex] = 1
        case .probability: dLogits = Softmax.gradientOfProbability(c.probabilities, classIndex: classIndex)
        }
        var dFc2 = [Float](repeating: 0, count: a.fcWidth)
        Dense.backwardInput(dy: dLogits, kernel: dense[2].kernel, inputs: a.fcWidth, outputs: a.classes, dx: &dFc2, ways: cores)
        for i in dFc2.indices where !(c.fc2[i] > 0) { dFc2[i] = 0 }
        var dFc1 = [Float](repeating: 0, count: a.fcWidth)
        Dense.backwardInput(dy: dFc2, kernel: dense[1].kernel, inputs: a.fcWidth, outputs: a.fcWidth, dx: &dFc1, ways: cores)
        for i in dFc1.indices where !(c.fc1[i] > 0) { dFc1[i] = 0 }
        var dFlat = [Float](repeating: 0, count: a.flattenSize)
        Dense.backwardInput(dy: dFc1, kernel: dense[0].kernel, inputs: a.flattenSize, outputs: a.fcWidth, dx: &dFlat, ways: cores)
        return dFlat
    }
}
