@testable import ConvEngine

/// SplitMix64: a small deterministic generator so every test sees the same "random" numbers on every run.
struct SeededRandom: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [lo, hi).
    mutating func uniform(_ lo: Float, _ hi: Float) -> Float { Float.random(in: lo..<hi, using: &self) }

    mutating func floats(_ count: Int, _ lo: Float = -1, _ hi: Float = 1) -> [Float] {
        (0..<count).map { _ in uniform(lo, hi) }
    }

    /// `count` inputs of `model`'s input shape, uniform in [−100, 100), one after another, and the first as a map.
    mutating func inputs(_ count: Int, of model: Model) -> (all: [Float], first: FeatureMap) {
        let all = floats(count * model.input.count, -100, 100)
        let first = FeatureMap(
            height: model.input.height, width: model.input.width, channels: model.input.channels,
            data: Array(all[..<model.input.count]))
        return (all, first)
    }
}
