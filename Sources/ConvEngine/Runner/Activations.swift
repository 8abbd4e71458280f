/// One image's pass through a model: every layer's output, kept, and the hidden layers the window shows.
public struct Activations: Sendable {
    public let hidden: [LayerInfo]
    /// The preprocessed input.
    public let input: FeatureMap
    /// Every model layer's output, in order.
    public let outputs: [FeatureMap]

    public init(hidden: [LayerInfo], input: FeatureMap, outputs: [FeatureMap]) {
        self.hidden = hidden
        self.input = input
        self.outputs = outputs
    }

    /// The hidden layers' outputs, in order (each after its folded activation, as Keras reports them).
    public var layers: [FeatureMap] { hidden.map { outputs[$0.last] } }

    /// Hidden layer `index`'s output.
    public func layer(_ index: Int) -> FeatureMap { outputs[hidden[index].last] }

    public func layer(named name: String) throws -> FeatureMap {
        guard let h = hidden.first(where: { $0.name == name }) else {
            throw EngineError.unknownLayer(name, known: hidden.map(\.name))
        }
        return outputs[h.last]
    }
}
