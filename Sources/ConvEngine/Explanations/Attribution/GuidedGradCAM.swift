/// Guided Grad-CAM (Selvaraju et al., 2017): guided backprop times Grad-CAM at a layer (ReLU(Σ_k mean(G_k) A_k), not
/// normalised), upsampled to the input by nearest neighbour. As Captum's `GuidedGradCam`.
public struct GuidedGradCAM: AttributionMethod {
    public let name = "guided_gradcam", title = "Guided Grad-CAM"
    /// The hidden layer (nil: the last convolution).
    public var layer: String?
    public init(layer: String? = nil) { self.layer = layer }

    public func attribute(_ x: AttributionInputs) throws -> [Float] {
        let model = x.runner.model
        guard let info = try layer.map({ try model.hiddenLayer($0) }) ?? model.lastConvolution else {
            throw EngineError.unknownLayer(layer ?? "(last convolution)", known: model.hiddenLayers.map(\.name))
        }
        let c = try x.runner.classify(x.activations)
        let seed = c.scoreGradient(x.classIndex, x.score)
        let top = x.runner.layers.count - 1
        // Grad-CAM reads only the gradients' sums per channel: without fc1's backward where the runner can.
        let sums = x.runner.channelGradientSums(seed, from: top, to: info.last, activations: x.activations)
        var inputs = CAMInputs(
            activations: x.activations.outputs[info.last].data,
            gradients: sums == nil ? x.runner.backward(seed, from: top, to: info.last, activations: x.activations) : [],
            height: info.height, width: info.width, channels: info.channels)
        inputs.gradientSums = sums
        let cam = CAMMethods.relu(GradCAMMethod().rawMap(inputs))
        var guided = try x.gradient(rule: .guided)
        let h = x.input.height
        let w = x.input.width
        let ch = x.input.channels
        for y in 0..<h {
            let sy = y * info.height / h
            for xx in 0..<w {
                let weight = cam[sy * info.width + xx * info.width / w]
                for k in 0..<ch { guided[(y * w + xx) * ch + k] *= weight }
            }
        }
        return guided
    }
}
