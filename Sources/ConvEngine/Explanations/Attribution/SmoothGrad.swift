import Foundation

/// SmoothGrad (Smilkov et al., 2017): saliency averaged over the input plus Gaussian noise, σ in the input's own units.
/// As Captum's `NoiseTunnel(Saliency)` with nt_type "smoothgrad". The noise is drawn from a seeded generator, or given
/// (`noise`: one sample per array) so a reference can use the same.
public struct SmoothGrad: AttributionMethod {
    public let name = "smoothgrad", title = "SmoothGrad"
    public var runsInFloat64: Bool { true }
    public var samples: Int
    public var sigma: Float
    public var seed: UInt64
    public var noise: [[Float]]?
    public init(samples: Int = 16, sigma: Float = 0.15, seed: UInt64 = 1, noise: [[Float]]? = nil) {
        self.samples = samples
        self.sigma = sigma
        self.seed = seed
        self.noise = noise
    }

    public func attribute(_ x: AttributionInputs) throws -> [Float] {
        let input = x.input.data
        var total = [Float](repeating: 0, count: input.count)
        let draws = noise ?? Self.gaussian(samples, count: input.count, sigma: sigma, seed: seed)
        if x.precision == .double {
            var sum = [Double](repeating: 0, count: input.count)
            for n in draws {
                let g = try x.gradient64(at: zip(input, n).map { Double($0) + Double($1) })
                for i in sum.indices { sum[i] += abs(g[i]) }
            }
            return sum.map { Float($0 / Double(draws.count)) }
        }
        for n in draws {
            let g = try x.gradient(at: x.map(zip(input, n).map(+)))
            for i in total.indices { total[i] += abs(g[i]) }
        }
        return total.map { $0 / Float(draws.count) }
    }

    /// Box–Muller over SplitMix64: the same noise for the same seed on every machine.
    static func gaussian(_ samples: Int, count: Int, sigma: Float, seed: UInt64) -> [[Float]] {
        var state = seed
        func uniform() -> Double {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return (Double((z ^ (z >> 31)) >> 11) + 0.5) / Double(1 << 53)
        }
        return (0..<samples).map { _ in
            (0..<count).map { _ in Float((-2 * log(uniform())).squareRoot() * cos(2 * Double.pi * uniform())) * sigma }
        }
    }
}
