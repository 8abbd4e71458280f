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
    public let weights: [Float]     // α_k, one per channel
    public let map: [Float]         // layer.height × layer.width, row-major
    public let rawMaximum: Float    // max of ReLU(Σ α_k A_k) before normalising
}

extension VGG16 {
    /// Grad-CAM: α_k = spatial mean of ∂score/∂A_k; map = ReLU(Σ_k α_k A_k) / max.
    /// `classIndex` nil means the top class.
    public func gradCAM(_ activations: Activations, classification: Classification, layer name: String = "block5_conv3",
                        classIndex: Int? = nil, score: CAMScore = .logit) throws -> GradCAMResult {
        guard let target = layers.firstIndex(where: { $0.name == name }) else { throw EngineError.unknownLayer(name) }
        let cls = classIndex ?? classification.top(1)[0].index
        var g = try scoreGradient(classification, classIndex: cls, score: score)
        var i = layers.count - 1
        while i > target { g = backward(g, throughLayer: i, activations: activations); i -= 1 }

        let info = layers[target], a = activations.layers[target]
        let hw = info.height * info.width, ch = info.channels
        var alpha = [Float](repeating: 0, count: ch)
        for p in 0..<hw { for k in 0..<ch { alpha[k] += g[p * ch + k] } }
        for k in 0..<ch { alpha[k] /= Float(hw) }
        var map = [Float](repeating: 0, count: hw)
        for p in 0..<hw {
            var s: Float = 0
            for k in 0..<ch { s += alpha[k] * a.data[p * ch + k] }
            map[p] = max(s, 0)
        }
        let top = map.max() ?? 0
        if top > 0 { for p in 0..<hw { map[p] /= top } }
        let value = score == .logit ? classification.logits[cls] : classification.probabilities[cls]
        return GradCAMResult(layer: info, classIndex: cls, score: score, scoreValue: value, weights: alpha, map: map, rawMaximum: top)
    }
}
