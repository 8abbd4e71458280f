import Foundation

/// Integrated Gradients (Sundararajan et al., 2017): (input − baseline) × ∫₀¹ ∂score/∂input at baseline + α(input −
/// baseline) dα, the integral by Gauss–Legendre quadrature. As Captum's `IntegratedGradients` (method
/// "gausslegendre", 50 steps by default).
public struct IntegratedGradients: AttributionMethod {
    public enum Baseline: Sendable {
        /// The black image, preprocessed (the default).
        case black
        /// The image blurred (an 11×11 Gaussian, σ 5 pixels, as insertion's start: `CausalCurve.blurred`): a
        /// baseline that keeps colours and removes edges (Sturmfels et al., "Visualizing the Impact of Feature
        /// Attribution Baselines", Distill 2020).
        case blurred
        case zero
        case values([Float])

        /// The command line's name, for the sidecar.
        public var name: String {
            switch self {
            case .black: return "black"
            case .blurred: return "blurred"
            case .zero: return "zero"
            case .values: return "given"
            }
        }
    }
    public let name = "integrated_gradients", title = "Integrated Gradients"
    public var runsInFloat64: Bool { true }
    public var steps: Int
    public var baseline: Baseline
    public init(steps: Int = 50, baseline: Baseline = .black) {
        self.steps = steps
        self.baseline = baseline
    }

    public func attribute(_ x: AttributionInputs) throws -> [Float] {
        let input = x.input.data
        let base: [Float]
        switch baseline {
        case .black:
            base = x.runner.preprocess(rgb: [UInt8](repeating: 0, count: x.input.height * x.input.width * 3)).data
        case .blurred: base = CausalCurve.blurred(x.input)
        case .zero: base = [Float](repeating: 0, count: input.count)
        case .values(let v): base = v
        }
        var total = [Double](repeating: 0, count: input.count)
        if x.precision == .double {
            let xd = input.map(Double.init)
            let bd = base.map(Double.init)
            for (alpha, weight) in Self.quadrature(steps) {
                let g = try x.gradient64(at: (0..<input.count).map { bd[$0] + alpha * (xd[$0] - bd[$0]) })
                for i in total.indices { total[i] += weight * g[i] }
            }
            return (0..<input.count).map { Float(total[$0] * (xd[$0] - bd[$0])) }
        }
        for (alpha, weight) in Self.quadrature(steps) {
            let point = (0..<input.count).map { base[$0] + Float(alpha) * (input[$0] - base[$0]) }
            let g = try x.gradient(at: x.map(point))
            for i in total.indices { total[i] += weight * Double(g[i]) }
        }
        return (0..<input.count).map { Float(total[$0]) * (input[$0] - base[$0]) }
    }

    /// Gauss–Legendre nodes and weights on [0, 1]: the Legendre polynomial's roots by Newton's method, mapped from
    /// [−1, 1] as Captum maps numpy's `leggauss`.
    public static func quadrature(_ n: Int) -> [(node: Double, weight: Double)] {
        (0..<n).map { i in
            var t = cos(Double.pi * (Double(n - i) - 0.25) / (Double(n) + 0.5))
            var derivative = 0.0
            for _ in 0..<100 {
                var p0 = 1.0
                var p1 = t
                for k in stride(from: 2, through: n, by: 1) {
                    (p0, p1) = (p1, (Double(2 * k - 1) * t * p1 - Double(k - 1) * p0) / Double(k))
                }
                derivative = Double(n) * (t * p1 - p0) / (t * t - 1)
                let step = p1 / derivative
                t -= step
                if abs(step) < 1e-15 { break }
            }
            let w = 2 / ((1 - t * t) * derivative * derivative)
            return (node: 0.5 * (1 + t), weight: 0.5 * w)
        }
    }
}
