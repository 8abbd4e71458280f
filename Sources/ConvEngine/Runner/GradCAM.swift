/// What the class score is taken as.
public enum CAMScore: String, Sendable, CaseIterable {
    /// The class's logit, before softmax (the Grad-CAM paper).
    case logit
    /// The class's softmax probability (the "probability share").
    case probability
}

/// A class activation map at one layer's resolution, normalised to 0…1 (an all-zero map stays zero).
public struct GradCAMResult: Sendable {
    public let layer: LayerInfo
    public let classIndex: Int
    public let score: CAMScore
    public let scoreValue: Float
    public let weights: [Float]  // α_k, one per channel
    public let map: [Float]  // layer.height × layer.width, row-major
    public let rawMaximum: Float  // max of ReLU(Σ α_k A_k) before normalising
}

extension Runner {
    /// Grad-CAM: α_k = spatial mean of ∂score/∂A_k; map = ReLU(Σ_k α_k A_k) / max. `layer` nil means the last
    /// convolution, `classIndex` nil the top class. Where only pools and a flatten lead to the classifier, the sums
    /// come from `channelGradientSums` without the backward pass through the first dense layer.
    public func gradCAM(
        _ a: Activations, classification c: Classification, layer name: String? = nil,
        classIndex: Int? = nil, score: CAMScore = .logit
    ) throws -> GradCAMResult {
        guard model.hasClassifier else { throw EngineError.noClassifier(model: model.sourceName) }
        guard let info = try name.map({ try model.hiddenLayer($0) }) ?? model.lastConvolution else {
            throw EngineError.unknownLayer(name ?? "(last convolution)", known: model.hiddenLayers.map(\.name))
        }
        let cls = classIndex ?? c.top(1)[0].index
        guard cls >= 0 && cls < model.classes else { throw EngineError.classOutOfRange(cls, classes: model.classes) }
        let seed = c.scoreGradient(cls, score)
        let act = a.outputs[info.last]
        let hw = info.height * info.width
        let ch = info.channels
        var alpha: [Float]
        if let sums = channelGradientSums(seed, from: layers.count - 1, to: info.last, activations: a) {
            alpha = sums
        } else {
            let g = backward(seed, from: layers.count - 1, to: info.last, activations: a)
            alpha = [Float](repeating: 0, count: ch)
            for p in 0..<hw { for k in 0..<ch { alpha[k] += g[p * ch + k] } }
        }
        for k in 0..<ch { alpha[k] /= Float(hw) }
        var map = [Float](repeating: 0, count: hw)
        for p in 0..<hw {
            var s: Float = 0
            for k in 0..<ch { s += alpha[k] * act.data[p * ch + k] }
            map[p] = max(s, 0)
        }
        let top = map.max() ?? 0
        if top > 0 { for p in 0..<hw { map[p] /= top } }
        return GradCAMResult(
            layer: info, classIndex: cls, score: score, scoreValue: c.score(cls, score), weights: alpha, map: map,
            rawMaximum: top)
    }
}
