import Foundation

/// Score-CAM (Wang et al., 2020): each channel, upsampled to the input (bilinear, corners aligned) and scaled to 0…1,
/// masks the preprocessed input; the class's logit for each masked input, softmaxed over channels, weighs the
/// channels: map = Σ_k w_k A_k. As pytorch-grad-cam's `score_cam.py` (batches of 16). One forward pass per channel,
/// so the slowest method here; `topChannels` keeps only the channels with the largest mean activation
/// (Faster Score-CAM's shortcut; the others get weight 0).
public struct ScoreCAM: CAMMethod {
    public let name = "scorecam", title = "Score-CAM", usesGradients = false, usesForwardPasses = true
    public var batch = 16
    public var topChannels: Int?
    public init(topChannels: Int? = nil) { self.topChannels = topChannels }

    public func rawMap(_ x: CAMInputs) throws -> [Float] {
        guard let input = x.input, let score = x.score else { preconditionFailure("Score-CAM is given its scorer") }
        let h = input.height
        let w = input.width
        let c = input.channels
        let n = x.positions
        var channels = Array(0..<x.channels)
        if let top = topChannels, top < x.channels {
            let means = x.perChannel { x.activations[$0] }
            channels = channels.sorted { means[$0] > means[$1] }.prefix(top).sorted()
        }
        var scores = [Float](repeating: 0, count: channels.count)
        var start = 0
        while start < channels.count {
            let group = channels[start..<min(start + batch, channels.count)]
            var masked = [Float](repeating: 0, count: group.count * h * w * c)
            for (slot, k) in group.enumerated() {
                let mask = Self.scaled(
                    Self.upsample(
                        (0..<n).map { x.activations[$0 * x.channels + k] },
                        x.height, x.width, to: h, w))
                for p in 0..<(h * w) {
                    for ch in 0..<c { masked[(slot * h * w + p) * c + ch] = input.data[p * c + ch] * mask[p] }
                }
            }
            let s = try score(masked, group.count)
            for i in group.indices { scores[i] = s[i - group.startIndex] }
            start += group.count
        }
        let top = scores.max() ?? 0
        let e = scores.map { Float(Double($0 - top).exp()) }
        let sum = e.reduce(0, +)
        var weights = [Float](repeating: 0, count: x.channels)
        for (i, k) in channels.enumerated() { weights[k] = e[i] / sum }
        return x.weightedSum(weights)
    }

    /// Bilinear resize with corners aligned (torch's `UpsamplingBilinear2d`).
    static func upsample(_ m: [Float], _ h: Int, _ w: Int, to oh: Int, _ ow: Int) -> [Float] {
        let sy = oh > 1 ? Float(h - 1) / Float(oh - 1) : 0
        let sx = ow > 1 ? Float(w - 1) / Float(ow - 1) : 0
        var out = [Float](repeating: 0, count: oh * ow)
        for y in 0..<oh {
            let fy = Float(y) * sy
            let y0 = min(Int(fy), h - 1)
            let y1 = min(y0 + 1, h - 1)
            let dy = fy - Float(y0)
            for x in 0..<ow {
                let fx = Float(x) * sx
                let x0 = min(Int(fx), w - 1)
                let x1 = min(x0 + 1, w - 1)
                let dx = fx - Float(x0)
                let top = m[y0 * w + x0] * (1 - dx) + m[y0 * w + x1] * dx
                let bottom = m[y1 * w + x0] * (1 - dx) + m[y1 * w + x1] * dx
                out[y * ow + x] = top * (1 - dy) + bottom * dy
            }
        }
        return out
    }

    /// (m − min) / (max − min + 1e-8).
    static func scaled(_ m: [Float]) -> [Float] {
        let low = m.min() ?? 0
        let high = m.max() ?? 0
        return m.map { ($0 - low) / (high - low + 1e-8) }
    }
}

extension Double {
    fileprivate func exp() -> Double { Foundation.exp(self) }
}
