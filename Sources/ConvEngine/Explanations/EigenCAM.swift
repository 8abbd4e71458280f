import COpenBLAS

/// Eigen-CAM (Muhammad & Yeasin, 2020): the activations (positions × channels), each channel centred, projected on
/// their first principal direction; no gradients, so the same map for every class. As pytorch-grad-cam's
/// `eigen_cam.py` (`get_2d_projection`), which takes the direction from numpy's SVD with LAPACK's arbitrary sign; here
/// the sign is fixed so the direction's components sum to a positive number. The direction is the top eigenvector of
/// AᵀA (or got from AAᵀ's, whichever is smaller), found by power iteration in double precision, the products by BLAS.
public struct EigenCAM: CAMMethod {
    public let name = "eigencam", title = "Eigen-CAM", usesGradients = false
    public init() {}

    public func rawMap(_ x: CAMInputs) -> [Float] {
        let n = x.positions
        let c = x.channels
        var mean = [Double](repeating: 0, count: c)
        for p in 0..<n { for k in 0..<c { mean[k] += Double(x.activations[p * c + k]) } }
        for k in 0..<c { mean[k] /= Double(n) }
        var centred = [Double](repeating: 0, count: n * c)  // A, positions × channels
        for p in 0..<n { for k in 0..<c { centred[p * c + k] = Double(x.activations[p * c + k]) - mean[k] } }
        // The first right-singular vector v of A: the top eigenvector of AᵀA (channels × channels), or, when there
        // are fewer positions than channels, Aᵀu for the top eigenvector u of AAᵀ (positions × positions, smaller).
        let m = min(n, c)
        var gram = [Double](repeating: 0, count: m * m)
        cblas_dsyrk(
            CblasRowMajor, CblasUpper, n < c ? CblasNoTrans : CblasTrans, Int32(m), Int32(n < c ? c : n), 1,
            centred, Int32(c), 0, &gram, Int32(m))
        for i in 0..<m { for j in 0..<i { gram[i * m + j] = gram[j * m + i] } }
        var v = Self.topEigenvector(gram, m)
        if n < c {
            var w = [Double](repeating: 0, count: c)
            cblas_dgemv(CblasRowMajor, CblasTrans, Int32(n), Int32(c), 1, centred, Int32(c), v, 1, 0, &w, 1)
            let norm = w.reduce(0) { $0 + $1 * $1 }.squareRoot()
            v = norm > 0 ? w.map { $0 / norm } : w
            if v.reduce(0, +) < 0 { v = v.map { -$0 } }
        }
        var projection = [Double](repeating: 0, count: n)
        cblas_dgemv(CblasRowMajor, CblasNoTrans, Int32(n), Int32(c), 1, centred, Int32(c), v, 1, 0, &projection, 1)
        return projection.map { Float($0) }
    }

    /// Power iteration from the all-ones vector until the direction stops moving; sign fixed to a positive sum. Each
    /// product by BLAS (a few hundred iterations where the top two eigenvalues are close).
    static func topEigenvector(_ m: [Double], _ c: Int) -> [Double] {
        var v = [Double](repeating: 1 / Double(c).squareRoot(), count: c)
        var w = [Double](repeating: 0, count: c)
        for _ in 0..<2000 {
            cblas_dgemv(CblasRowMajor, CblasNoTrans, Int32(c), Int32(c), 1, m, Int32(c), v, 1, 0, &w, 1)
            let norm = w.reduce(0) { $0 + $1 * $1 }.squareRoot()
            guard norm > 0 else { return v }
            var change = 0.0
            for i in 0..<c {
                let x = w[i] / norm
                change = max(change, abs(v[i] - x))
                v[i] = x
            }
            if change < 1e-12 { break }
        }
        return v.reduce(0, +) >= 0 ? v : v.map { -$0 }
    }
}
