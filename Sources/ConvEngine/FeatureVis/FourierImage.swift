import Foundation

/// An image parameterised as Lucid's is (Olah et al. 2017): per decorrelated colour channel, a half spectrum whose
/// coefficient at frequency f is scaled by 1/max(f, f₀) (natural images' 1/f amplitude, so an equal step in every
/// coefficient is an image step with a natural spectrum; f₀ is 1/side, or a coarser `flatBelow`), times √(HW)
/// (which makes the transform near unitary), then (or 1/f^decay), the inverse real DFT, divided by 4; then the
/// colour correlation's square root M; then a sigmoid to 0–255.
///
///     rgb = 255 · σ( M · irfft2(scale ⊙ c) / 4 )
///
/// `render` and `backward` work on `n` images at once: coefficients image-major, 3 planes an image (one per
/// decorrelated channel), `dft.coefficientCount` floats a plane; rgb interleaved (H, W, 3) an image.
public struct FourierImage: Sendable {
    public let dft: RealDFT2D
    public let decorrelate: Bool
    /// The colour mix M (row-major: rows R, G, B) and its inverse.
    let colour: [Float], colourInverse: [Float]
    /// Per (ky, kx): the 1/f scale times √(HW) / 4.
    let scale: [Float]

    /// `colourPower`: how strongly the decorrelated colour directions are scaled (`ColourCorrelation.matrix(power:)`);
    /// `flatBelow`: the frequency (cycles per pixel) below which the scale stops rising (at least 1/side: only the
    /// mean is flattened).
    public init(
        side: Int, decorrelate: Bool = true, decay: Float = 1, colourPower: Float = 1, flatBelow: Float = 0
    ) {
        dft = RealDFT2D(height: side, width: side)
        self.decorrelate = decorrelate
        colour = decorrelate ? ColourCorrelation.matrix(power: colourPower) : [1, 0, 0, 0, 1, 0, 0, 0, 1]
        colourInverse = ColourCorrelation.inverse(of: colour)
        let d = dft
        let k = d.halfWidth
        var s = [Float](repeating: 0, count: side * k)
        let floor = max(1 / Float(side), flatBelow)
        let root = Float(side)  // √(HW) for a square
        for ky in 0..<side {
            for kx in 0..<k { s[ky * k + kx] = root / pow(max(d.frequency(ky: ky, kx: kx), floor), decay) / 4 }
        }
        scale = s
    }

    public var side: Int { dft.height }
    /// Floats of one image's coefficients.
    public var coefficientsPerImage: Int { 3 * dft.coefficientCount }
    /// Scratch floats `render` and `backward` need for `n` images.
    public func scratchCount(images n: Int) -> Int { 3 * n * (2 * dft.coefficientCount + side * side) }

    /// Coefficients → rgb on the 0–255 scale.
    public func render(
        _ c: UnsafePointer<Float>, images n: Int, rgb: UnsafeMutablePointer<Float>,
        scratch: UnsafeMutablePointer<Float>
    ) {
        let plane = dft.coefficientCount
        let pixels = side * side
        let halfPlane = plane / 2
        let scaled = scratch
        let spatial = scratch + 3 * n * plane
        let dftScratch = spatial + 3 * n * pixels
        for p in 0..<(3 * n) {
            for i in 0..<plane { scaled[p * plane + i] = c[p * plane + i] * scale[i % halfPlane] }
        }
        dft.synthesize(scaled, planes: 3 * n, image: spatial, scratch: dftScratch)
        let m = colour
        for b in 0..<n {
            let t = spatial + 3 * b * pixels
            let out = rgb + 3 * b * pixels
            for q in 0..<pixels {
                let x = t[q]
                let y = t[pixels + q]
                let z = t[2 * pixels + q]
                for ch in 0..<3 {
                    let v = m[3 * ch] * x + m[3 * ch + 1] * y + m[3 * ch + 2] * z
                    out[3 * q + ch] = 255 / (1 + exp(-v))
                }
            }
        }
    }

    /// ∂L/∂rgb (and the rgb `render` made) → ∂L/∂coefficients.
    public func backward(
        _ rgbGradient: UnsafePointer<Float>, rgb: UnsafePointer<Float>, images n: Int,
        coefficientGradient: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>
    ) {
        let plane = dft.coefficientCount
        let pixels = side * side
        let halfPlane = plane / 2
        let spatial = scratch + 3 * n * plane
        let dftScratch = spatial + 3 * n * pixels
        let m = colour
        for b in 0..<n {
            let g = rgbGradient + 3 * b * pixels
            let y = rgb + 3 * b * pixels
            let t = spatial + 3 * b * pixels
            for q in 0..<pixels {
                // d(255σ)/dv = 255·σ(1 − σ) = rgb·(255 − rgb)/255
                let dv = (
                    g[3 * q] * y[3 * q] * (255 - y[3 * q]) / 255,
                    g[3 * q + 1] * y[3 * q + 1] * (255 - y[3 * q + 1]) / 255,
                    g[3 * q + 2] * y[3 * q + 2] * (255 - y[3 * q + 2]) / 255
                )
                t[q] = m[0] * dv.0 + m[3] * dv.1 + m[6] * dv.2
                t[pixels + q] = m[1] * dv.0 + m[4] * dv.1 + m[7] * dv.2
                t[2 * pixels + q] = m[2] * dv.0 + m[5] * dv.1 + m[8] * dv.2
            }
        }
        dft.synthesizeAdjoint(spatial, planes: 3 * n, spectrumGradient: coefficientGradient, scratch: dftScratch)
        for p in 0..<(3 * n) {
            for i in 0..<plane { coefficientGradient[p * plane + i] *= scale[i % halfPlane] }
        }
    }

    /// Coefficients whose render is `rgb` (side·side·3, 0–255), each value kept 1 % inside (0, 255) where the
    /// sigmoid's inverse is finite: the start of a DeepDream from a photo.
    public func coefficients(of rgb: [Float]) -> [Float] {
        precondition(rgb.count == side * side * 3)
        let pixels = side * side
        let inv = colourInverse
        var planes = [[Float]](repeating: [Float](repeating: 0, count: pixels), count: 3)
        for q in 0..<pixels {
            let v = (0..<3).map { ch -> Float in
                let p = min(max(rgb[3 * q + ch] / 255, 0.01), 0.99)
                return log(p / (1 - p))
            }
            for ch in 0..<3 { planes[ch][q] = inv[3 * ch] * v[0] + inv[3 * ch + 1] * v[1] + inv[3 * ch + 2] * v[2] }
        }
        let halfPlane = dft.coefficientCount / 2
        return planes.flatMap { plane in dft.analyze(plane).enumerated().map { i, x in x / scale[i % halfPlane] } }
    }
}
