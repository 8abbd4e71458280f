import COpenBLAS
import Foundation

/// The inverse real 2-D DFT of an H×W image (numpy's `irfft2`) as matrix products, its adjoint, and the forward
/// transform it inverts. A half spectrum is H×K complex coefficients, K = W/2 + 1, stored as two planes: real then
/// imaginary, each (ky, kx) row-major. The synthesis is
///
///     image[y, x] = 1/(HW) · Σ_kx w_kx · Re( Σ_ky X[ky, kx] · e^{2πi·ky·y/H} · e^{2πi·kx·x/W} ),
///
/// with w = 1 at kx = 0 and kx = W/2 and 2 between (the conjugate half counted twice): first a complex transform
/// along y (four GEMMs with the symmetric cosine and sine matrices C and S), then a real one along x (two GEMMs).
/// At 128×128 that is about 3 M multiply-adds a plane, nothing beside a network pass; a plain DFT needs no power-of-two
/// size. W and H must be even.
public struct RealDFT2D: Sendable {
    public let height: Int, width: Int
    /// Columns of the half spectrum: width/2 + 1.
    public let halfWidth: Int
    /// H×H cos(2π·ky·y/H) and sin(2π·ky·y/H): symmetric.
    private let cosY: [Float], sinY: [Float]
    /// K×W w_kx·cos(2π·kx·x/W)/(HW) and w_kx·sin(2π·kx·x/W)/(HW).
    private let cosX: [Float], sinX: [Float]

    /// Floats of one plane's half spectrum (real and imaginary parts).
    public var coefficientCount: Int { 2 * height * halfWidth }

    public init(height: Int, width: Int) {
        precondition(height >= 2 && width >= 2 && height % 2 == 0 && width % 2 == 0, "RealDFT2D needs even sides")
        self.height = height
        self.width = width
        let k = width / 2 + 1
        halfWidth = k
        var cy = [Float](repeating: 0, count: height * height)
        var sy = cy
        for y in 0..<height {
            for ky in 0..<height {
                let a = 2 * Double.pi * Double((ky * y) % height) / Double(height)
                cy[y * height + ky] = Float(cos(a))
                sy[y * height + ky] = Float(sin(a))
            }
        }
        var cx = [Float](repeating: 0, count: k * width)
        var sx = cx
        let n = Double(height * width)
        for kx in 0..<k {
            let w: Double = kx == 0 || kx == width / 2 ? 1 : 2
            for x in 0..<width {
                let a = 2 * Double.pi * Double((kx * x) % width) / Double(width)
                cx[kx * width + x] = Float(w * cos(a) / n)
                sx[kx * width + x] = Float(w * sin(a) / n)
            }
        }
        cosY = cy
        sinY = sy
        cosX = cx
        sinX = sx
    }

    /// `planes` half spectra (each `coefficientCount` floats, consecutive) → `planes` images (H·W each) in `image`.
    /// `scratch` holds 2·planes·H·K floats.
    public func synthesize(
        _ spectrum: UnsafePointer<Float>, planes: Int, image: UnsafeMutablePointer<Float>,
        scratch: UnsafeMutablePointer<Float>
    ) {
        let h = height
        let k = halfWidth
        let plane = h * k
        let zr = scratch
        let zi = scratch + planes * plane
        for p in 0..<planes {
            let xr = spectrum + p * coefficientCount
            let xi = xr + plane
            gemm(cosY, xr, zr + p * plane, m: h, n: k, kk: h, alpha: 1, beta: 0)
            gemm(sinY, xi, zr + p * plane, m: h, n: k, kk: h, alpha: -1, beta: 1)
            gemm(sinY, xr, zi + p * plane, m: h, n: k, kk: h, alpha: 1, beta: 0)
            gemm(cosY, xi, zi + p * plane, m: h, n: k, kk: h, alpha: 1, beta: 1)
        }
        // All planes' rows at once: (planes·H × K) · (K × W).
        gemm(zr, cosX, image, m: planes * h, n: width, kk: k, alpha: 1, beta: 0)
        gemm(zi, sinX, image, m: planes * h, n: width, kk: k, alpha: -1, beta: 1)
    }

    /// The adjoint of `synthesize`: ∂L/∂image (planes·H·W) → ∂L/∂spectrum (planes · coefficientCount).
    public func synthesizeAdjoint(
        _ imageGradient: UnsafePointer<Float>, planes: Int,
        spectrumGradient: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>
    ) {
        let h = height
        let k = halfWidth
        let plane = h * k
        let zr = scratch
        let zi = scratch + planes * plane
        gemm(imageGradient, cosX, zr, m: planes * h, n: k, kk: width, alpha: 1, beta: 0, transB: true)
        gemm(imageGradient, sinX, zi, m: planes * h, n: k, kk: width, alpha: -1, beta: 0, transB: true)
        for p in 0..<planes {
            let gr = spectrumGradient + p * coefficientCount
            let gi = gr + plane
            gemm(cosY, zr + p * plane, gr, m: h, n: k, kk: h, alpha: 1, beta: 0)
            gemm(sinY, zi + p * plane, gr, m: h, n: k, kk: h, alpha: 1, beta: 1)
            gemm(sinY, zr + p * plane, gi, m: h, n: k, kk: h, alpha: -1, beta: 0)
            gemm(cosY, zi + p * plane, gi, m: h, n: k, kk: h, alpha: 1, beta: 1)
        }
    }

    /// The forward real DFT (numpy's `rfft2`) of one H×W image, in double precision: `synthesize` of it gives the
    /// image back. Used once per photo, so plain loops.
    public func analyze(_ image: [Float]) -> [Float] {
        precondition(image.count == height * width)
        let h = height
        let w = width
        let k = halfWidth
        var rr = [Double](repeating: 0, count: h * k)
        var ri = rr
        for y in 0..<h {
            for kx in 0..<k {
                var re = 0.0
                var im = 0.0
                for x in 0..<w {
                    let a = 2 * Double.pi * Double((kx * x) % w) / Double(w)
                    let v = Double(image[y * w + x])
                    re += v * cos(a)
                    im -= v * sin(a)
                }
                rr[y * k + kx] = re
                ri[y * k + kx] = im
            }
        }
        var out = [Float](repeating: 0, count: coefficientCount)
        for ky in 0..<h {
            for kx in 0..<k {
                var re = 0.0
                var im = 0.0
                for y in 0..<h {
                    let a = 2 * Double.pi * Double((ky * y) % h) / Double(h)
                    let c = cos(a)
                    let s = sin(a)
                    re += rr[y * k + kx] * c + ri[y * k + kx] * s
                    im += ri[y * k + kx] * c - rr[y * k + kx] * s
                }
                out[ky * k + kx] = Float(re)
                out[h * k + ky * k + kx] = Float(im)
            }
        }
        return out
    }

    /// |f| in cycles per pixel of coefficient (ky, kx): numpy's fftfreq along y (negative above H/2), kx/W along x.
    public func frequency(ky: Int, kx: Int) -> Float {
        let fy = Float(ky <= height / 2 - 1 ? ky : ky - height) / Float(height)
        let fx = Float(kx) / Float(width)
        return (fy * fy + fx * fx).squareRoot()
    }

    /// c = alpha·a·b + beta·c, row-major; a is m×kk (its own buffer or pointer), b kk×n (or n×kk with transB).
    private func gemm(
        _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
        m: Int, n: Int, kk: Int, alpha: Float, beta: Float, transB: Bool = false
    ) {
        cblas_sgemm(
            CblasRowMajor, CblasNoTrans, transB ? CblasTrans : CblasNoTrans, Int32(m), Int32(n), Int32(kk),
            alpha, a, Int32(kk), b, Int32(transB ? kk : n), beta, c, Int32(n))
    }

    private func gemm(
        _ a: [Float], _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
        m: Int, n: Int, kk: Int, alpha: Float, beta: Float
    ) {
        a.withUnsafeBufferPointer { gemm($0.baseAddress!, b, c, m: m, n: n, kk: kk, alpha: alpha, beta: beta) }
    }

    private func gemm(
        _ a: UnsafePointer<Float>, _ b: [Float], _ c: UnsafeMutablePointer<Float>,
        m: Int, n: Int, kk: Int, alpha: Float, beta: Float, transB: Bool = false
    ) {
        b.withUnsafeBufferPointer {
            gemm(a, $0.baseAddress!, c, m: m, n: n, kk: kk, alpha: alpha, beta: beta, transB: transB)
        }
    }
}
