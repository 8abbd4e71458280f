import Foundation

/// Deletion and insertion (Petsiuk et al., RISE, 2018): how fast the class's probability falls as the pixels a map
/// ranks highest are removed (replaced by black), and how fast it rises as they are put into a blurred copy. The pixels
/// are taken in `steps` equal groups in the map's order (ties by position, first first); the area under the curve of
/// probability against the fraction changed is the score (low is good for deletion, high for insertion). As RISE's
/// `CausalMetric`: deletion's substrate is the black image, insertion's the image blurred by an 11×11 Gaussian (σ 5,
/// zero padding) over the preprocessed values. RISE builds that kernel with scipy's `gaussian_filter` of a delta, which
/// folds reflected tails into it; this is the plain normalised Gaussian. Tied map values go in position order.
public struct CausalCurve: Sendable {
    public enum Kind: String, Sendable { case deletion, insertion }
    public let kind: Kind
    /// The class's probability after each step, `steps + 1` values from the unchanged start.
    public let probabilities: [Float]
    /// Trapezoidal area under `probabilities` over [0, 1].
    public var area: Float {
        guard probabilities.count > 1 else { return probabilities.first ?? 0 }
        let inner = probabilities.reduce(0, +) - (probabilities.first! + probabilities.last!) / 2
        return inner / Float(probabilities.count - 1)
    }
}

extension Runner {
    /// The deletion or insertion curve for class `classIndex` of the preprocessed image `input`, pixels ranked by
    /// `map` (input height × width, larger first).
    public func causalCurve(
        _ kind: CausalCurve.Kind, input: FeatureMap, map: [Float], classIndex: Int,
        steps: Int = 20
    ) throws -> CausalCurve {
        let h = input.height
        let w = input.width
        let c = input.channels
        let hw = h * w
        precondition(map.count == hw, "a map at the input's resolution")
        let order = (0..<hw).sorted { (a: Int, b: Int) -> Bool in map[a] != map[b] ? map[a] > map[b] : a < b }
        let perStep = (hw + steps - 1) / steps
        let black = preprocess(rgb: [UInt8](repeating: 0, count: hw * 3)).data
        let blurred = CausalCurve.blurred(input)
        var current = kind == .deletion ? input.data : blurred
        let finish = kind == .deletion ? black : input.data
        var states: [Float] = []
        states.reserveCapacity((steps + 1) * current.count)
        for i in 0...steps {
            states += current
            guard i < steps else { break }
            for p in order[min(i * perStep, hw)..<min((i + 1) * perStep, hw)] {
                for k in 0..<c { current[p * c + k] = finish[p * c + k] }
            }
        }
        let probabilities = classScores(states, count: steps + 1, classIndex: classIndex)
        return CausalCurve(kind: kind, probabilities: probabilities)
    }
}

extension CausalCurve {
    /// RISE's insertion substrate: each channel convolved with an 11×11 Gaussian (σ 5, normalised), zero padding.
    static func blurred(_ x: FeatureMap) -> [Float] {
        let radius = 5
        let sigma = 5.0
        let taps = (-radius...radius).map { exp(-Double($0 * $0) / (2 * sigma * sigma)) }
        let total = taps.reduce(0, +)
        let k = taps.map { $0 / total }  // the 2-D kernel is the outer product, so two 1-D passes
        let h = x.height
        let w = x.width
        let c = x.channels
        var rows = [Double](repeating: 0, count: x.data.count)
        var out = [Float](repeating: 0, count: x.data.count)
        for y in 0..<h {
            for xx in 0..<w {
                for ch in 0..<c {
                    var s = 0.0
                    for t in -radius...radius where xx + t >= 0 && xx + t < w {
                        s += k[t + radius] * Double(x.data[(y * w + xx + t) * c + ch])
                    }
                    rows[(y * w + xx) * c + ch] = s
                }
            }
        }
        for y in 0..<h {
            for xx in 0..<w {
                for ch in 0..<c {
                    var s = 0.0
                    for t in -radius...radius where y + t >= 0 && y + t < h {
                        s += k[t + radius] * rows[((y + t) * w + xx) * c + ch]
                    }
                    out[(y * w + xx) * c + ch] = Float(s)
                }
            }
        }
        return out
    }
}
