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
}
