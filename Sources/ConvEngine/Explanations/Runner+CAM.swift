/// A class activation map from one `CAMMethod` at one hidden layer: at the layer's resolution, after ReLU and
/// pytorch-grad-cam's min-max normalisation (0…1).
public struct CAMResult: Sendable {
    public let method: String
    public let layer: LayerInfo
    /// nil for a method that does not look at the class (Eigen-CAM).
    public let classIndex: Int?
    public let map: [Float]
}

extension Runner {
    /// Runs `method` at hidden layer `name` (nil: the last convolution) for class `classIndex` (nil: the top class).
    /// Methods that use gradients or class scores need a classifier; Eigen-CAM also works on a backbone.
    public func classActivationMap(
        _ method: any CAMMethod, _ a: Activations, classification c: Classification?,
        layer name: String? = nil, classIndex: Int? = nil,
        score: CAMScore = .logit
    ) throws -> CAMResult {
        guard let info = try name.map({ try model.hiddenLayer($0) }) ?? model.lastConvolution else {
            throw EngineError.unknownLayer(name ?? "(last convolution)", known: model.hiddenLayers.map(\.name))
        }
        var gradients: [Float] = []
        var gradientSums: [Float]? = nil
        var cls: Int? = nil
        if method.usesGradients || method.usesForwardPasses {
            guard model.hasClassifier, let c else { throw EngineError.noClassifier(model: model.sourceName) }
            let k = classIndex ?? c.top(1)[0].index
            guard k >= 0 && k < model.classes else { throw EngineError.classOutOfRange(k, classes: model.classes) }
            if method.usesGradients {
                let seed = c.scoreGradient(k, score)
                let top = layers.count - 1
                if method.usesOnlyGradientSums {
                    gradientSums = channelGradientSums(seed, from: top, to: info.last, activations: a)
                }
                if gradientSums == nil { gradients = backward(seed, from: top, to: info.last, activations: a) }
            }
            cls = k
        }
        var inputs = CAMInputs(
            activations: a.outputs[info.last].data, gradients: gradients, height: info.height,
            width: info.width, channels: info.channels)
        inputs.gradientSums = gradientSums
        if method.usesForwardPasses, let k = cls {
            let batched = batchRunner()
            let units = layers[layers.count - 1].output.count
            inputs.input = a.input
            func scores(_ out: [Float], _ n: Int) -> [Float] {
                (0..<n).map { self.classification(logits: Array(out[$0 * units..<($0 + 1) * units])).score(k, score) }
            }
            inputs.scorer = { base in
                try batched.localChangeScorer(base: batched.forward(base), classIndex: k, kind: score)
            }
            inputs.scoreFromLayer = { x, n in scores(batched.lastOutputs(x, count: n, from: info.last + 1), n) }
        }
        return CAMResult(
            method: method.name, layer: info, classIndex: cls,
            map: CAMMethods.normalised(try method.rawMap(inputs)))
    }
}
