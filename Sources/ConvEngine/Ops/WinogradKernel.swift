import CKernels

/// A 3×3 kernel transformed for `Winograd.forward`: U_p = (G g Gᵀ)_p for the 36 positions p, each a (Cin, Cout)
/// matrix, with G = [1/4 0 0; −1/6 −1/6 −1/6; −1/6 1/6 −1/6; 1/24 1/12 1/6; 1/24 −1/12 1/6; 0 0 1].
public struct WinogradKernel: Sendable {
    /// 36 × Cin × Cout floats: when `isPacked`, in the panels the engine's own GEMM reads (`cs_wino_gemm`); else
    /// each U_p stored (Cin, Cout) for OpenBLAS. The backward pass reads it too (`Winograd.backwardInput`).
    public let u: [Float]
    /// Whether `u` is packed for the engine's GEMM (AVX2 or AVX-512, Cout a multiple of the panel width).
    public let isPacked: Bool
    /// Channels of the convolution this kernel computes.
    public let inChannels: Int, outChannels: Int

    /// Whether a convolution with these channel counts can run as Winograd (the transforms work on 8 channels at once).
    public static func fits(inChannels: Int, outChannels: Int) -> Bool { inChannels % 8 == 0 && outChannels % 8 == 0 }

    /// The forward kernel of a (3,3,Cin,Cout) HWIO kernel.
    public init(forward kernel: [Float], inChannels cin: Int, outChannels cout: Int) {
        self = kernel.withUnsafeBufferPointer { Self(forward: $0, inChannels: cin, outChannels: cout) }
    }

    /// The forward kernel of a (3,3,Cin,Cout) HWIO kernel where it lies (a cache entry's pages: `KernelStorage`).
    init(forward kernel: UnsafeBufferPointer<Float>, inChannels cin: Int, outChannels cout: Int) {
        precondition(kernel.count == 9 * cin * cout && Self.fits(inChannels: cin, outChannels: cout))
        let width = Int(cs_wino_panel_width())
        isPacked = width > 0 && cout % width == 0
        u = Self.transform(kernel, inChannels: cin, outChannels: cout, panelWidth: isPacked ? width : 0)
        self.inChannels = cin
        self.outChannels = cout
    }

    /// (G g Gᵀ) for every (Cin, Cout) pair, 8 output channels at a time, each U_p stored (Cin, Cout), or with
    /// `panelWidth` > 0 straight into the panels `cs_wino_gemm` reads (panel, Cin, width): no second copy to pack.
    /// Float is enough: G's entries round to within 2⁻²⁴ and each U entry sums 9 products. Written straight into
    /// uninitialised memory, as this runs at start-up over 235 MB for VGG16.
    static func transform(
        _ k: UnsafeBufferPointer<Float>, inChannels cin: Int, outChannels cout: Int, panelWidth: Int
    ) -> [Float] {
        typealias F8 = SIMD8<Float>
        @inline(__always) func g(_ v0: F8, _ v1: F8, _ v2: F8) -> (F8, F8, F8, F8, F8, F8) {
            let a = (v0 + v2) * (-1.0 / 6)
            let b = v1 * (-1.0 / 6)
            let c = v0 * (1.0 / 24) + v2 * (1.0 / 6)
            let d = v1 * (1.0 / 12)
            return (v0 * 0.25, a + b, a - b, c + d, c - d, v2)
        }
        let count = 36 * cin * cout
        let step = cin * cout
        return [Float](unsafeUninitializedCapacity: count) { out, initialised in
            let src = UnsafeRawPointer(k.baseAddress!)
            let dst = UnsafeMutableRawPointer(out.baseAddress!)
            for ci in 0..<cin {
                for co in stride(from: 0, to: cout, by: 8) {
                    // Where U_p[ci][co…co+7] lies within U_p.
                    let within =
                        panelWidth > 0
                        ? (co / panelWidth * cin + ci) * panelWidth + co % panelWidth : ci * cout + co
                    @inline(__always) func w(_ ky: Int, _ kx: Int) -> F8 {
                        src.loadUnaligned(fromByteOffset: 4 * (((ky * 3 + kx) * cin + ci) * cout + co), as: F8.self)
                    }
                    // t (6×3) = G · g, one column of g at a time
                    let c0 = g(w(0, 0), w(1, 0), w(2, 0))
                    let c1 = g(w(0, 1), w(1, 1), w(2, 1))
                    let c2 = g(w(0, 2), w(1, 2), w(2, 2))
                    @inline(__always) func row(_ a: Int, _ t0: F8, _ t1: F8, _ t2: F8) {  // U[a][·] = t[a] · Gᵀ
                        let r = g(t0, t1, t2)
                        let base = 4 * (a * 6 * step + within)
                        dst.storeBytes(of: r.0, toByteOffset: base, as: F8.self)
                        dst.storeBytes(of: r.1, toByteOffset: base + 4 * step, as: F8.self)
                        dst.storeBytes(of: r.2, toByteOffset: base + 8 * step, as: F8.self)
                        dst.storeBytes(of: r.3, toByteOffset: base + 12 * step, as: F8.self)
                        dst.storeBytes(of: r.4, toByteOffset: base + 16 * step, as: F8.self)
                        dst.storeBytes(of: r.5, toByteOffset: base + 20 * step, as: F8.self)
                    }
                    row(0, c0.0, c1.0, c2.0)
                    row(1, c0.1, c1.1, c2.1)
                    row(2, c0.2, c1.2, c2.2)
                    row(3, c0.3, c1.3, c2.3)
                    row(4, c0.4, c1.4, c2.4)
                    row(5, c0.5, c1.5, c2.5)
                }
            }
            initialised = count
        }
    }
}
