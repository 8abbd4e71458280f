/// Eigen-CAM (Muhammad & Yeasin, 2020): the activations (positions × channels), each channel centred, projected on
/// their first principal direction; no gradients, so the same map for every class. As pytorch-grad-cam's
/// `eigen_cam.py` (`get_2d_projection`), which takes the direction from numpy's SVD with LAPACK's arbitrary sign; here
/// the sign is fixed so the direction's components sum to a positive number. The direction is the top eigenvector of
/// AᵀA, found by power iteration in double precision.
public struct EigenCAM: CAMMethod {
    public let name = "eigencam", title = "Eigen-CAM", usesGradients = false
    public init() {}

    public func rawMap(_ x: CAMInputs) -> [Float] {
        let n = x.positions
        let c = x.channels
        var mean = [Double](repeating: 0, count: c)
        for p in 0..<n { for k in 0..<c { mean[k] += Double(x.activations[p * c + k]) } }
        for k in 0..<c { mean[k] /= Double(n) }
        var centred = [Double](repeating: 0, count: n * c)
        for p in 0..<n { for k in 0..<c { centred[p * c + k] = Double(x.activations[p * c + k]) - mean[k] } }
        var cov = [Double](repeating: 0, count: c * c)  // AᵀA, channels × channels
        for p in 0..<n {
            for i in 0..<c where centred[p * c + i] != 0 {
                let a = centred[p * c + i]
                for j in 0..<c { cov[i * c + j] += a * centred[p * c + j] }
            }
        }
        let v = Self.topEigenvector(cov, c)
        return (0..<n).map { p in
            var s = 0.0
            for k in 0..<c { s += centred[p * c + k] * v[k] }
            return Float(s)
        }
    }

    /// Power iteration from the all-ones vector until the direction stops moving; sign fixed to a positive sum.
    static func topEigenvector(_ m: [Double], _ c: Int) -> [Double] {
        var v = [Double](repeating: 1 / Double(c).squareRoot(), count: c)
        for _ in 0..<2000 {
            var w = [Double](repeating: 0, count: c)
            for i in 0..<c {
                var s = 0.0
                for j in 0..<c { s += m[i * c + j] * v[j] }
                w[i] = s
            }
            let norm = w.reduce(0) { $0 + $1 * $1 }.squareRoot()
            guard norm > 0 else { return v }
            w = w.map { $0 / norm }
            let change = zip(v, w).reduce(0) { max($0, abs($1.0 - $1.1)) }
            v = w
            if change < 1e-12 { break }
        }
        return v.reduce(0, +) >= 0 ? v : v.map { -$0 }
    }
}
