import Foundation

/// The square root of ImageNet's colour correlation (Olah et al., "Feature Visualization", Distill 2017), scaled so
/// its largest column has unit length: a pixel's three decorrelated values t become its colour M·t. Optimising t
/// instead of RGB gives every colour direction a step of the size natural images vary along it, so the ascent does
/// not spend its steps on the magenta–green axis natural images hardly use.
public enum ColourCorrelation {
    /// M, row-major (rows: R, G, B). The numbers are the published statistics' square root (an SVD of the 3×3
    /// covariance of ImageNet pixels); they are data, not code.
    public static let matrix: [Float] = matrix(power: 1)

    /// M with each column's length raised to `power` (the columns are near orthogonal: the decorrelated colour
    /// directions, each as long as natural images spread along it): 1 is M, 0 gives every direction the same length
    /// (a turn of RGB), in between a milder decorrelation. Scaled so its largest column has unit length.
    public static func matrix(power: Float) -> [Float] {
        let root: [Double] = [
            0.26, 0.09, 0.02,
            0.27, 0.00, -0.05,
            0.27, -0.09, 0.03,
        ]
        let norms = (0..<3).map { c in (0..<3).map { r in root[r * 3 + c] * root[r * 3 + c] }.reduce(0, +).squareRoot()
        }
        let scaled = (0..<9).map { root[$0] * pow(norms[$0 % 3], Double(power) - 1) }
        let largest = norms.map { pow($0, Double(power)) }.max()!
        return scaled.map { Float($0 / largest) }
    }

    /// M⁻¹, for starting from a photo.
    public static let inverse: [Float] = inverse(of: matrix)

    /// The inverse of a 3×3 matrix (row-major).
    public static func inverse(of matrix: [Float]) -> [Float] {
        let m = matrix.map(Double.init)
        func at(_ r: Int, _ c: Int) -> Double { m[r * 3 + c] }
        let det =
            at(0, 0) * (at(1, 1) * at(2, 2) - at(1, 2) * at(2, 1))
            - at(0, 1) * (at(1, 0) * at(2, 2) - at(1, 2) * at(2, 0))
            + at(0, 2) * (at(1, 0) * at(2, 1) - at(1, 1) * at(2, 0))
        var inv = [Float](repeating: 0, count: 9)
        for r in 0..<3 {
            for c in 0..<3 {
                // Cofactor of (c, r) over the determinant.
                let rows = (0..<3).filter { $0 != c }
                let cols = (0..<3).filter { $0 != r }
                let minor = at(rows[0], cols[0]) * at(rows[1], cols[1]) - at(rows[0], cols[1]) * at(rows[1], cols[0])
                inv[r * 3 + c] = Float(((r + c) % 2 == 0 ? 1 : -1) * minor / det)
            }
        }
        return inv
    }
}
