/// How much each channel of one hidden layer adds to a class's Grad-CAM: the channel's weight α_k (the spatial mean
/// of ∂score/∂A_k), its contribution α_k·A_k as a map, and the channels ranked by α_k·mean(A_k), which is the share
/// each one adds to Σ_k α_k A_k before Grad-CAM's ReLU. The dossier's "how much it matters for the class".
public struct ChannelContributions: Sendable {
    public let layer: LayerInfo
    public let classIndex: Int
    public let score: CAMScore
    /// α_k, one per channel.
    public let weights: [Float]
    /// α_k · mean(A_k), one per channel.
    public let totals: [Float]
    /// Channels by `totals`, largest first (ties by index).
    public let ranking: [Int]
    private let positions: [Int]

    public init(layer: LayerInfo, classIndex: Int, score: CAMScore, weights: [Float], activations: FeatureMap) {
        precondition(weights.count == layer.channels && activations.channels == layer.channels)
        self.layer = layer
        self.classIndex = classIndex
        self.score = score
        self.weights = weights
        let (mean, _, _) = activations.channelStatistics()
        let totals = (0..<layer.channels).map { weights[$0] * mean[$0] }
        self.totals = totals
        let ranking = Array(0..<layer.channels).sorted { totals[$0] != totals[$1] ? totals[$0] > totals[$1] : $0 < $1 }
        self.ranking = ranking
        var positions = [Int](repeating: 0, count: layer.channels)
        for (i, c) in ranking.enumerated() { positions[c] = i }
        self.positions = positions
    }

    public var channels: Int { layer.channels }

    /// The channel's place in `ranking`, from 1.
    public func rank(of channel: Int) -> Int { positions[channel] + 1 }

    /// α_k·A_k for channel `k`, height × width, row-major.
    public func map(channel k: Int, of activations: FeatureMap) -> [Float] {
        let c = activations.channels
        return (0..<(activations.height * activations.width)).map { weights[k] * activations.data[$0 * c + k] }
    }
}

extension Runner {
    /// The contributions of every channel of hidden layer `name` to class `classIndex` (nil: the top class).
    public func channelContributions(
        _ a: Activations, classification c: Classification, layer name: String, classIndex: Int? = nil,
        score: CAMScore = .logit
    ) throws -> ChannelContributions {
        let g = try gradCAM(a, classification: c, layer: name, classIndex: classIndex, score: score)
        return ChannelContributions(
            layer: g.layer, classIndex: g.classIndex, score: score, weights: g.weights,
            activations: a.outputs[g.layer.last])
    }
}
