/// How filter images are made by gradient ascent (Chollet, "Deep Learning with Python"): start from gray plus seeded
/// noise, step up the L2-normalised gradient of the filter's mean activation, then deprocess.
public struct AscentSettings: Hashable, Sendable, Codable {
    /// Input side in pixels (a multiple of 16).
    public var size = 128
    public var steps = 30
    /// Step length in 0–255 pixel units (the gradient has unit L2 norm).
    public var stepSize: Float = 10
    /// Half-width of the uniform starting noise around gray 128, in 0–255 pixel units.
    public var noise: Float = 20
    public var seed: UInt64 = 1
    /// Activation pixels left out of the mean at each edge of the layer's map.
    public var border = 2

    public init(
        size: Int = 128, steps: Int = 30, stepSize: Float = 10, noise: Float = 20, seed: UInt64 = 1, border: Int = 2
    ) {
        self.size = size
        self.steps = steps
        self.stepSize = stepSize
        self.noise = noise
        self.seed = seed
        self.border = border
    }

    /// Pixels cropped from each edge of a finished image (its edges see the zero padding and stay noisy).
    public var crop: Int { max(2, size / 16) }

    /// Checks the settings for `layer` (a convolution) and returns the model up to that layer at this input size.
    public func validate(for layer: LayerInfo, in model: Model) throws -> Model {
        guard layer.isConv else {
            throw AscentError.notConvolution(layer.name, convolutions: model.hiddenLayers.filter(\.isConv).map(\.name))
        }
        guard (16...1024).contains(size), size % 16 == 0 else { throw AscentError.badSize(size) }
        guard (1...1000).contains(steps) else { throw AscentError.badSteps(steps) }
        guard stepSize.isFinite, stepSize > 0, noise.isFinite, noise >= 0, border >= 0 else {
            throw AscentError.badStep
        }
        let truncated: Model
        do {
            truncated = try model.truncated(through: layer.last, input: TensorShape(size, size, model.input.channels))
        } catch {
            throw AscentError.sizeTooSmall(
                size, layer: layer.name, side: 0, minimum: minimumSize(for: layer, in: model))
        }
        let side = min(truncated.layers[layer.last].output.height, truncated.layers[layer.last].output.width)
        guard side > 2 * border else {
            throw AscentError.sizeTooSmall(
                size, layer: layer.name, side: side, minimum: minimumSize(for: layer, in: model))
        }
        return truncated
    }

    /// The smallest multiple of 16 whose map at `layer` leaves something inside the border.
    private func minimumSize(for layer: LayerInfo, in model: Model) -> Int {
        for s in stride(from: 16, through: 1024, by: 16) {
            if let t = try? model.truncated(through: layer.last, input: TensorShape(s, s, model.input.channels)),
                min(t.layers[layer.last].output.height, t.layers[layer.last].output.width) > 2 * border
            {
                return s
            }
        }
        return 1024
    }
}

/// Bad filter-image requests, each said so a person can act on it.
public enum AscentError: Error, Equatable, CustomStringConvertible {
    case notConvolution(String, convolutions: [String])
    case badSize(Int)
    case badSteps(Int)
    case badStep
    case sizeTooSmall(Int, layer: String, side: Int, minimum: Int)
    case filterOutOfRange(Int, filters: Int)

    public var description: String {
        switch self {
        case .notConvolution(let n, let convs):
            return "\(n) is not a convolution; filter images exist for \(convs.joined(separator: ", "))"
        case .badSize(let s):
            return "image size \(s) is not allowed: use a multiple of 16 from 16 to 1024 (default 128)"
        case .badSteps(let s): return "\(s) steps is not allowed: use 1 to 1000 (default 30)"
        case .badStep: return "the step size must be a positive number and the noise zero or more"
        case .sizeTooSmall(let s, let l, let side, let m):
            return
                "at image size \(s), \(l)'s map is only \(side)×\(side) pixels, too small to leave out its border: use --size \(m) or more"
        case .filterOutOfRange(let f, let n): return "filter \(f) does not exist: this layer has filters 0…\(n - 1)"
        }
    }
}
