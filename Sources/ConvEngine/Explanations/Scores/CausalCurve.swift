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
        causalCurves([kind], input: input, map: map, classIndex: classIndex, steps: steps, extra: []).curves[0]
    }

    /// The curves of `kinds` for one map, and the class's probability on each of `extra` inputs, from one batched
    /// run of every step in between. The ends every map shares (the image, the black image, the blurred image) come
    /// from `curveEnds`, computed once per image.
    func causalCurves(
        _ kinds: [CausalCurve.Kind], input: FeatureMap, map: [Float], classIndex k: Int, steps: Int,
        extra: [[Float]]
    ) -> (curves: [CausalCurve], extra: [Float]) {
        let hw = input.height * input.width
        let c = input.channels
        precondition(map.count == hw, "a map at the input's resolution")
        let order = (0..<hw).sorted { (a: Int, b: Int) -> Bool in map[a] != map[b] ? map[a] > map[b] : a < b }
        let perStep = (hw + steps - 1) / steps
        let ends = curveEnds(input)
        let probability = { (logits: [Float]) in self.classification(logits: logits).probabilities[k] }
        // Each curve's points: a known end's probability, or the index of its state among `states`.
        var points: [[Either]] = []
        var states: [Float] = []
        var count = 0
        for kind in kinds {
            var current = kind == .deletion ? input.data : ends.blurred
            let finish = kind == .deletion ? ends.black : input.data
            let (first, last) = kind == .deletion
                ? (ends.imageLogits, ends.blackLogits) : (ends.blurredLogits, ends.imageLogits)
            var curve: [Either] = []
            for i in 0...steps {
                let changed = min(i * perStep, hw)
                if changed == 0 {
                    curve.append(.known(probability(first)))
                } else if changed == hw {
                    curve.append(.known(probability(last)))
                } else {
                    for p in order[min((i - 1) * perStep, hw)..<changed] {
                        for ch in 0..<c { current[p * c + ch] = finish[p * c + ch] }
                    }
                    states += current
                    curve.append(.state(count))
                    count += 1
                }
            }
            points.append(curve)
        }
        for x in extra { states += x }
        let scores = count + extra.count > 0 ? classScores(states, count: count + extra.count, classIndex: k) : []
        let curves = zip(kinds, points).map { kind, curve in
            CausalCurve(
                kind: kind,
                probabilities: curve.map {
                    switch $0 {
                    case .known(let p): return p
                    case .state(let i): return scores[i]
                    }
                })
        }
        return (curves, Array(scores[count...]))
    }

    /// The image, the black image and the image blurred (insertion's start), with their logits: every map's curves
    /// of one image start or end at them, so the runner keeps the last image's.
    func curveEnds(_ input: FeatureMap) -> CurveEnds {
        if let e = curveEndsCache, e.image == input.data { return e }
        let black = preprocess(rgb: [UInt8](repeating: 0, count: input.height * input.width * 3)).data
        let blurred = CausalCurve.blurred(input)
        let logits = batchRunner().lastOutputs(input.data + black + blurred, count: 3)
        let units = logits.count / 3
        let e = CurveEnds(
            image: input.data, black: black, blurred: blurred, imageLogits: Array(logits[0..<units]),
            blackLogits: Array(logits[units..<(2 * units)]), blurredLogits: Array(logits[(2 * units)...]))
        curveEndsCache = e
        return e
    }
}

/// A curve's point: a probability already known, or the index of the state to score.
private enum Either {
    case known(Float)
    case state(Int)
}

/// One image's curve ends (`Runner.curveEnds`): the preprocessed image, black and blurred images, and the logits of
/// all three.
struct CurveEnds {
    let image: [Float]
    let black: [Float]
    let blurred: [Float]
    let imageLogits: [Float]
    let blackLogits: [Float]
    let blurredLogits: [Float]
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
