/// Ablation-CAM (Desai & Ramaswamy, 2020): each channel of the layer in turn is switched off (set to 0, or for a layer
/// that can be negative to its minimum − 10⁷) and the network run on from the layer; a channel's weight is the
/// relative fall of the class's score, (s − s_k) / s; map = Σ_k w_k A_k. As pytorch-grad-cam's `ablation_cam.py`
/// (every channel ablated). One forward pass of the layers after this one per channel, batched.
public struct AblationCAM: CAMMethod {
    public let name = "ablationcam", title = "Ablation-CAM", usesGradients = false, usesForwardPasses = true
    public var batch = 16
    public init() {}

    public func rawMap(_ x: CAMInputs) throws -> [Float] {
        guard let score = x.scoreFromLayer else { preconditionFailure("Ablation-CAM is given its scorer") }
        let a = x.activations
        let c = x.channels
        let low = a.min() ?? 0
        let off: Float = low == 0 ? 0 : low - 1e7
        let own = try score(a, 1)[0]
        var weights = [Float](repeating: 0, count: c)
        var start = 0
        while start < c {
            let group = start..<min(start + batch, c)
            var ablated: [Float] = []
            ablated.reserveCapacity(group.count * a.count)
            for k in group {
                var copy = a
                for p in 0..<x.positions { copy[p * c + k] = off }
                ablated += copy
            }
            let s = try score(ablated, group.count)
            for k in group { weights[k] = (own - s[k - start]) / own }
            start += group.count
        }
        return x.weightedSum(weights)
    }
}
