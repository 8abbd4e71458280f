/// A filter's response to an image, measured independently of how the image was made: the whole runner on the
/// model truncated at the layer, the filter's mean over its map with `border` pixels left out at each edge (the
/// filter images' rule).
public final class FilterResponse {
    public let layer: LayerInfo
    public let size: Int, border: Int
    private let runner: Runner

    public init(model: Model, layer name: String, size: Int, border: Int = 2) throws {
        layer = try model.hiddenLayer(name)
        self.size = size
        self.border = border
        runner = Runner(
            model: try model.truncated(through: layer.last, input: TensorShape(size, size, model.input.channels)))
    }

    /// `rgb`: size·size·3 floats on the 0–255 scale (not clipped here).
    public func meanActivation(_ rgb: [Float], filter: Int) throws -> Float {
        let input = runner.model.preprocessing.apply(rgb: rgb, height: size, width: size)
        let out = try runner.forward(input).outputs[layer.last]
        let e = border
        var sum: Float = 0
        for y in e..<(out.height - e) {
            for x in e..<(out.width - e) { sum += out.data[(y * out.width + x) * out.channels + filter] }
        }
        return sum / Float((out.height - 2 * e) * (out.width - 2 * e))
    }
}
