extension Runner {
    /// Guided backpropagation from one channel to the pixels: ∂(Σ over the map of channel `channel` of hidden layer
    /// `name`)/∂input, every ReLU passing back only positive gradients where its input was positive (Springenberg et
    /// al., 2015). What in the photo made the channel fire; as Captum's `GuidedBackprop` on the network cut after the
    /// layer with its output summed over the channel. Position-major like the input (height × width × channels).
    public func channelGuidedBackprop(_ a: Activations, layer name: String, channel: Int) throws -> [Float] {
        let info = try model.hiddenLayer(name)
        guard (0..<info.channels).contains(channel) else {
            throw EngineError.channelOutOfRange(channel, layer: info.name, channels: info.channels)
        }
        var seed = [Float](repeating: 0, count: info.count)
        for p in stride(from: channel, to: seed.count, by: info.channels) { seed[p] = 1 }
        return backward(seed, from: info.last, to: -1, activations: a, rule: .guided)
    }
}
