/// One image's pass through the 18 hidden layers: everything a layer switch needs, kept.
public struct Activations: Sendable {
    public let architecture: Architecture
    /// The preprocessed input (H,W,3).
    public let input: FeatureMap
    /// The 18 hidden layers' outputs in order (convolutions after ReLU, as Keras reports them).
    public let layers: [FeatureMap]

    public func layer(named name: String) throws -> FeatureMap {
        guard let i = Architecture.hiddenLayerNames.firstIndex(of: name) else { throw EngineError.unknownLayer(name) }
        return layers[i]
    }
}

/// The classifier's outputs for one image.
public struct Classification: Sendable {
    public let fc1: [Float]          // after ReLU
    public let fc2: [Float]          // after ReLU
    public let logits: [Float]
    public let probabilities: [Float]

    /// The k most probable classes, most probable first (ties broken by lower index).
    public func top(_ k: Int) -> [(index: Int, probability: Float)] {
        let order = probabilities.indices.sorted { probabilities[$0] != probabilities[$1] ? probabilities[$0] > probabilities[$1] : $0 < $1 }
        return order.prefix(max(0, k)).map { ($0, probabilities[$0]) }
    }
}
