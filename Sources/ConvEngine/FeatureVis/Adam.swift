import Foundation

/// Adam (Kingma & Ba 2015) ascending: each parameter steps by about `rate` along its gradient's running sign,
/// whatever the gradient's scale. Lucid optimises its images with it at rate 0.05.
struct Adam {
    var rate: Float
    let beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8

    /// x += rate · m̂ / (√v̂ + ε) over `count` parameters, after `t` updates including this one (t ≥ 1).
    func ascend(
        _ x: UnsafeMutablePointer<Float>, gradient g: UnsafePointer<Float>, m: UnsafeMutablePointer<Float>,
        v: UnsafeMutablePointer<Float>, count: Int, t: Int
    ) {
        let c1 = 1 / (1 - pow(beta1, Float(t)))
        let c2 = 1 / (1 - pow(beta2, Float(t)))
        for i in 0..<count {
            m[i] = beta1 * m[i] + (1 - beta1) * g[i]
            v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i]
            x[i] += rate * (m[i] * c1) / ((v[i] * c2).squareRoot() + epsilon)
        }
    }

    /// Adam with its second moment partly pooled over each group of `group` consecutive parameters (one image's
    /// coefficients): x += rate · m̂ / (v̂^((1 − pooled)/2) · v̄^(pooled/2) + ε), v̄ the group's mean v̂. `pooled` 0
    /// is Adam (every parameter steps by about the rate, whatever its gradient); 1 is momentum on the gradient divided
    /// by the group's RMS (parameters step in proportion to their gradients); ½ in proportion to their gradients'
    /// square roots. `count` is a multiple of `group`.
    func ascend(
        _ x: UnsafeMutablePointer<Float>, gradient g: UnsafePointer<Float>, m: UnsafeMutablePointer<Float>,
        v: UnsafeMutablePointer<Float>, count: Int, t: Int, group: Int, pooled: Float
    ) {
        guard pooled > 0 else { return ascend(x, gradient: g, m: m, v: v, count: count, t: t) }
        precondition(group > 0 && count % group == 0)
        let c1 = 1 / (1 - pow(beta1, Float(t)))
        let c2 = 1 / (1 - pow(beta2, Float(t)))
        for start in stride(from: 0, to: count, by: group) {
            var sum: Float = 0
            for i in start..<(start + group) {
                m[i] = beta1 * m[i] + (1 - beta1) * g[i]
                v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i]
                sum += v[i]
            }
            let shared = pow(sum * c2 / Float(group), pooled / 2)
            let own = (1 - pooled) / 2
            for i in start..<(start + group) {
                x[i] += rate * (m[i] * c1) / (pow(v[i] * c2, own) * shared + epsilon)
            }
        }
    }
}
