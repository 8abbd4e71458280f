import Foundation

/// Score-CAM (Wang et al., 2020): each channel, upsampled to the input (bilinear, corners aligned) and scaled to 0…1,
/// masks the preprocessed input; the class's logit for each masked input, softmaxed over channels, weighs the
/// channels: map = Σ_k w_k A_k. As pytorch-grad-cam's `score_cam.py`. One forward pass per channel, so the slowest
/// method here, but only over what differs from the zero image: a masked input is zero wherever its mask is, so each
/// pass recomputes only the part of each layer the mask's support reaches (`LocalChangeScorer`, in batches of 16);
/// channels with the same map share one pass, and a constant channel (mask all zero) is the zero image's score.
/// `topChannels` keeps only the channels with the largest mean activation (Faster Score-CAM's shortcut; the others
/// get weight 0).
public struct ScoreCAM: CAMMethod {
    public let name = "scorecam", title = "Score-CAM", usesGradients = false, usesForwardPasses = true
    public var topChannels: Int?
    public init(topChannels: Int? = nil) { self.topChannels = topChannels }

    public func rawMap(_ x: CAMInputs) throws -> [Float] {
        guard let input = x.input, let makeScorer = x.scorer else {
            preconditionFailure("Score-CAM is given its scorer")
        }
        let h = input.height
        let w = input.width
        let c = input.channels
        var channels = Array(0..<x.channels)
        if let top = topChannels, top < x.channels {
            let means = x.perChannel { x.activations[$0] }
            channels = channels.sorted { means[$0] > means[$1] }.prefix(top).sorted()
        }
        // One masked input per distinct channel map.
        var distinct: [Int] = []
        var first: [[Float]: Int] = [:]
        let pass = channels.map { k -> Int in
            let map = (0..<x.positions).map { x.activations[$0 * x.channels + k] }
            if let j = first[map] { return j }
            first[map] = distinct.count
            distinct.append(k)
            return distinct.count - 1
        }
        func mask(_ k: Int) -> [Float] {
            let map = (0..<x.positions).map { x.activations[$0 * x.channels + k] }
            return Self.scaled(Self.upsample(map, x.height, x.width, to: h, w))
        }
        let boxes = distinct.map { Self.support(mask($0), h, w) }
        let scorer = try makeScorer(FeatureMap(height: h, width: w, channels: c))
        let distinctScores = scorer.scores(count: distinct.count, box: { boxes[$0] }) { j in
            let m = mask(distinct[j])
            let b = boxes[j]
            var values = [Float](repeating: 0, count: b.area * c)
            var i = 0
            for y in b.y0..<b.y1 {
                for xx in b.x0..<b.x1 {
                    for ch in 0..<c {
                        values[i] = input.data[(y * w + xx) * c + ch] * m[y * w + xx]
                        i += 1
                    }
                }
            }
            return values
        }
        let scores = pass.map { distinctScores[$0] }
        let top = scores.max() ?? 0
        let e = scores.map { Float(Double($0 - top).exp()) }
        let sum = e.reduce(0, +)
        var weights = [Float](repeating: 0, count: x.channels)
        for (i, k) in channels.enumerated() { weights[k] = e[i] / sum }
        return x.weightedSum(weights)
    }

    /// The smallest box holding every non-zero value of an `h` × `w` mask (empty for an all-zero mask).
    static func support(_ m: [Float], _ h: Int, _ w: Int) -> Box {
        var b = Box(y0: h, y1: 0, x0: w, x1: 0)
        for y in 0..<h {
            for x in 0..<w where m[y * w + x] != 0 {
                b.y0 = min(b.y0, y)
                b.y1 = max(b.y1, y + 1)
                b.x0 = min(b.x0, x)
                b.x1 = max(b.x1, x + 1)
            }
        }
        return b.isEmpty ? Box(y0: 0, y1: 0, x0: 0, x1: 0) : b
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
