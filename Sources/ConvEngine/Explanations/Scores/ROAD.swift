/// ROAD, RemOve And Debias (Rong et al., "A Consistent and Efficient Evaluation Strategy for Attribution Methods", ICML
/// 2022), as pytorch-grad-cam 1.5.5 computes it (`metrics/road.py`, `metrics/perturbation_confidence.py`): at each
/// percentile p, "most relevant first" removes the pixels whose map value is at least the map's p-th percentile (so
/// p = 10 removes about 90 %), "least relevant first" those whose 1 − value is; the removed pixels are filled by noisy
/// linear imputation, and the score is the class's probability afterwards minus before. A faithful map makes the
/// first fall and the second hold: the combined score (LeRF − MoRF) / 2 is higher for better maps.
public struct ROADScores: Sendable {
    public let percentiles: [Int]
    /// Change of the class's softmax probability, one per percentile.
    public let mostRelevantFirst: [Float]
    public let leastRelevantFirst: [Float]
    public var mostRelevantFirstAverage: Float { mostRelevantFirst.reduce(0, +) / Float(max(1, percentiles.count)) }
    public var leastRelevantFirstAverage: Float { leastRelevantFirst.reduce(0, +) / Float(max(1, percentiles.count)) }
    public var combined: Float { (leastRelevantFirstAverage - mostRelevantFirstAverage) / 2 }
}

public enum ROAD {
    public static let percentiles = [10, 20, 30, 40, 50, 60, 70, 80, 90]
    /// road.py's `neighbors_weights`: sides 1/6, corners 1/12 (they sum to 1).
    static let neighbours: [(dy: Int, dx: Int, weight: Double)] = [
        (1, 1, 1 / 12), (0, 1, 1 / 6), (-1, 1, 1 / 12), (1, -1, 1 / 12), (0, -1, 1 / 6), (-1, -1, 1 / 12),
        (1, 0, 1 / 6),
        (-1, 0, 1 / 6),
    ]

    /// numpy's `percentile` (linear interpolation) of `sorted`.
    static func percentile(_ sorted: [Float], _ p: Double) -> Double {
        let rank = p / 100 * Double(sorted.count - 1)
        let lo = Int(rank.rounded(.down))
        let hi = min(lo + 1, sorted.count - 1)
        return Double(sorted[lo]) + (Double(sorted[hi]) - Double(sorted[lo])) * (rank - Double(lo))
    }

    /// Noisy linear imputation: every pixel with `keep` false becomes, in each channel, the weighted mean of its
    /// in-image neighbours (known or imputed alike), plus `noise` × N(0, 1). The system (symmetric positive definite:
    /// Sᵢ xᵢ − Σ w xⱼ over removed neighbours = Σ w xⱼ over kept ones, Sᵢ the weights of the in-image neighbours) is
    /// solved by conjugate gradients to a relative residual of 1e-9, where road.py calls scipy's `spsolve`.
    public static func impute(_ x: FeatureMap, keep: [Bool], noise: Float = 0, seed: UInt64 = 0) -> [Float] {
        let h = x.height
        let w = x.width
        let c = x.channels
        precondition(keep.count == h * w, "a mask at the input's resolution")
        var index = [Int](repeating: -1, count: h * w)
        var pixels: [Int] = []
        for p in 0..<(h * w) where !keep[p] {
            index[p] = pixels.count
            pixels.append(p)
        }
        let n = pixels.count
        guard n > 0 else { return x.data }
        var diagonal = [Double](repeating: 0, count: n)
        var links = [(Int, Double)](repeating: (-1, 0), count: n * 8)  // removed neighbour's unknown, weight
        var known = [(Int, Double)](repeating: (-1, 0), count: n * 8)  // kept neighbour's pixel, weight
        for (i, p) in pixels.enumerated() {
            let y = p / w
            let xx = p % w
            for (k, nb) in neighbours.enumerated() {
                let ny = y + nb.dy
                let nx = xx + nb.dx
                guard ny >= 0, nx >= 0, ny < h, nx < w else { continue }
                diagonal[i] += nb.weight
                let q = ny * w + nx
                if index[q] >= 0 { links[i * 8 + k] = (index[q], nb.weight) } else { known[i * 8 + k] = (q, nb.weight) }
            }
        }
        var out = x.data
        for ch in 0..<c {
            var b = [Double](repeating: 0, count: n)
            for i in 0..<n {
                for k in 0..<8 where known[i * 8 + k].0 >= 0 {
                    b[i] += known[i * 8 + k].1 * Double(x.data[known[i * 8 + k].0 * c + ch])
                }
            }
            let solution = conjugateGradients(b, diagonal: diagonal, links: links)
            for i in 0..<n { out[pixels[i] * c + ch] = Float(solution[i]) }
        }
        if noise != 0 {
            var rng = SplitMix64(seed: seed)
            for ch in 0..<c { for i in 0..<n { out[pixels[i] * c + ch] += noise * rng.normal() } }
        }
        return out
    }

    /// Solves (D − W) x = b for the imputation's matrix (D `diagonal`, W the removed neighbours' `links`).
    static func conjugateGradients(_ b: [Double], diagonal: [Double], links: [(Int, Double)]) -> [Double] {
        let n = b.count
        func apply(_ v: [Double]) -> [Double] {
            var r = [Double](repeating: 0, count: n)
            for i in 0..<n {
                var s = diagonal[i] * v[i]
                for k in 0..<8 where links[i * 8 + k].0 >= 0 { s -= links[i * 8 + k].1 * v[links[i * 8 + k].0] }
                r[i] = s
            }
            return r
        }
        var x = [Double](repeating: 0, count: n)
        var r = b
        var p = b
        var rr = r.reduce(0) { $0 + $1 * $1 }
        let stop = max(rr, 1e-300) * 1e-18
        var iterations = 0
        while rr > stop && iterations < 20 * n {
            let ap = apply(p)
            let alpha = rr / zip(p, ap).reduce(0) { $0 + $1.0 * $1.1 }
            for i in 0..<n {
                x[i] += alpha * p[i]
                r[i] -= alpha * ap[i]
            }
            let next = r.reduce(0) { $0 + $1 * $1 }
            let beta = next / rr
            for i in 0..<n { p[i] = r[i] + beta * p[i] }
            rr = next
            iterations += 1
        }
        return x
    }
}

extension Runner {
    /// ROAD for `map` (input height × width, larger = more relevant) and class `classIndex` of the preprocessed image
    /// `input`. `noise` is the imputation's (pytorch-grad-cam's 0.01), drawn from a generator seeded with `seed`.
    public func road(
        input: FeatureMap, map: [Float], classIndex: Int, percentiles: [Int] = ROAD.percentiles, noise: Float = 0.01,
        seed: UInt64 = 2022
    ) throws -> ROADScores {
        precondition(map.count == input.height * input.width, "a map at the input's resolution")
        let inverse = map.map { 1 - $0 }
        let sortedMap = map.sorted()
        let sortedInverse = inverse.sorted()
        var states: [Float] = input.data
        for (i, p) in percentiles.enumerated() {
            let t = ROAD.percentile(sortedMap, Double(p))
            states += ROAD.impute(input, keep: map.map { Double($0) < t }, noise: noise, seed: seed &+ UInt64(2 * i))
        }
        for (i, p) in percentiles.enumerated() {
            let t = ROAD.percentile(sortedInverse, Double(p))
            states += ROAD.impute(
                input, keep: inverse.map { Double($0) < t }, noise: noise, seed: seed &+ UInt64(2 * i + 1))
        }
        let probabilities = classScores(states, count: 1 + 2 * percentiles.count, classIndex: classIndex)
        let base = probabilities[0]
        let k = percentiles.count
        return ROADScores(
            percentiles: percentiles, mostRelevantFirst: probabilities[1...k].map { $0 - base },
            leastRelevantFirst: probabilities[(k + 1)...(2 * k)].map { $0 - base })
    }
}
