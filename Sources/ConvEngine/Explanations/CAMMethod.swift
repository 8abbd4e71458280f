/// One class-activation-map method: from a layer's activations (and, for most, the class score's gradient with
/// respect to them) to a map over the layer's positions. Every method is one file behind this protocol, listed in
/// `CAMMethods.all`; `Runner.classActivationMap` runs any of them.
public protocol CAMMethod: Sendable {
    /// The command line's name: "gradcam", "gradcam++", …
    var name: String { get }
    /// The name people know: "Grad-CAM++".
    var title: String { get }
    /// Whether the method needs ∂score/∂activations (Eigen-CAM does not).
    var usesGradients: Bool { get }
    /// Whether the method reads the gradients only as their sum over positions, per channel (Grad-CAM): then
    /// `CAMInputs.gradientSums` may carry the sums and `gradients` be empty.
    var usesOnlyGradientSums: Bool { get }
    /// Whether the method runs the network on altered inputs (Score-CAM): then `CAMInputs` carries the input and a
    /// scorer.
    var usesForwardPasses: Bool { get }
    /// The map before ReLU and normalisation: one value per position (height × width, row-major).
    func rawMap(_ x: CAMInputs) throws -> [Float]
}

extension CAMMethod {
    public var usesForwardPasses: Bool { false }
    public var usesOnlyGradientSums: Bool { false }
    /// Whether the map is the same for every class: the method reads neither the class score's gradients nor its
    /// value on altered inputs (Eigen-CAM, the layer's first principal component).
    public var isClassAgnostic: Bool { !usesGradients && !usesForwardPasses }
}

/// A layer's activations A and the score's gradients G, both position-major (position × channel, as the runner keeps
/// them); `gradients` is empty for a method that does not use them. For a method that runs the network, the
/// preprocessed input, `scorer`: the class's score on inputs that differ from a base image only inside a box each,
/// and `scoreFromLayer` for altered activations of the layer.
public struct CAMInputs {
    public let activations: [Float]
    public let gradients: [Float]
    public let height: Int, width: Int, channels: Int
    /// Σ over positions of the gradients, per channel, when the runner had them without the gradients themselves.
    public var gradientSums: [Float]?
    public var input: FeatureMap?
    /// A scorer of boxed changes to `base` (a preprocessed input), for the class and score explained.
    public var scorer: ((_ base: FeatureMap) throws -> LocalChangeScorer)?
    /// The class's score for each of `n` versions of this layer's activations, run from the layer on.
    public var scoreFromLayer: ((_ activations: [Float], _ n: Int) throws -> [Float])?
    public var positions: Int { height * width }

    /// Σ_k weight(G_k) · A_k at each position, the gradient weighing its own position (HiResCAM, LayerCAM).
    public func weightedSum(_ weight: (Float) -> Float) -> [Float] {
        (0..<positions).map { p in
            var s: Float = 0
            for k in 0..<channels {
                let i = p * channels + k
                s += weight(gradients[i]) * activations[i]
            }
            return s
        }
    }

    public init(activations: [Float], gradients: [Float], height: Int, width: Int, channels: Int) {
        precondition(activations.count == height * width * channels, "activations of the layer's shape")
        precondition(gradients.isEmpty || gradients.count == activations.count, "gradients of the layer's shape")
        self.activations = activations
        self.gradients = gradients
        self.height = height
        self.width = width
        self.channels = channels
    }

    /// Σ_k w_k · A[p, k] for every position p.
    func weightedSum(_ weights: [Float]) -> [Float] {
        (0..<positions).map { p in
            var s: Float = 0
            for k in 0..<channels { s += weights[k] * activations[p * channels + k] }
            return s
        }
    }

    /// Σ over positions of G, per channel: `gradientSums` or summed from `gradients`.
    public func channelGradientSums() -> [Float] { gradientSums ?? perChannel { gradients[$0] } }

    /// Σ over positions of f(p, k), per channel k.
    func perChannel(_ f: (Int) -> Float) -> [Float] {
        var out = [Float](repeating: 0, count: channels)
        for p in 0..<positions { for k in 0..<channels { out[k] += f(p * channels + k) } }
        return out
    }
}

/// The methods, in the order the window and `convscope explain --method all` show them.
public enum CAMMethods {
    public static let all: [any CAMMethod] = [
        GradCAMMethod(), GradCAMPlusPlus(), XGradCAM(), LayerCAM(), HiResCAM(),
        ScoreCAM(), AblationCAM(), EigenCAM(),
    ]

    public static func named(_ name: String) -> (any CAMMethod)? {
        all.first { $0.name == name.lowercased() || $0.title.lowercased() == name.lowercased() }
    }

    public static func relu(_ raw: [Float]) -> [Float] { raw.map { max($0, 0) } }

    /// ReLU, then pytorch-grad-cam's `scale_cam_image`: (m − min) / (1e-7 + max of that).
    public static func normalised(_ raw: [Float]) -> [Float] {
        let relu = relu(raw)
        let low = relu.min() ?? 0
        let shifted = relu.map { $0 - low }
        let high = shifted.max() ?? 0
        return shifted.map { $0 / (1e-7 + high) }
    }
}
