/// A 3×3 kernel transformed for `Winograd.forward`: U_p = (G g Gᵀ)_p for the 36 positions p, each a (Cin, Cout)
/// matrix, with G = [1/4 0 0; −1/6 −1/6 −1/6; −1/6 1/6 −1/6; 1/24 1/12 1/6; 1/24 −1/12 1/6; 0 0 1].
public struct WinogradKernel: Sendable {
    /// 36 × Cin × Cout floats; each U_p stored (Cin, Cout), or (Cout, Cin) when `transposed`.
    public let u: [Float]
    /// Channels of the convolution this kernel computes (for the input gradient, Cin and Cout of the forward one swap).
    public let inChannels: Int, outChannels: Int
    /// U_p is stored as its transpose (the input-gradient kernel reuses the forward layout).
    public let transposed: Bool

    /// Whether a convolution with these channel counts can run as Winograd (the transforms work on 8 channels at once).
    public static func fits(inChannels: Int, outChannels: Int) -> Bool { inChannels % 8 == 0 && outChannels % 8 == 0 }

    /// The forward kernel of a (3,3,Cin,Cout) HWIO kernel.
    public init(forward kernel: [Float], inChannels: Int, outChannels: Int) {
        precondition(kernel.count == 9 * inChannels * outChannels && Self.fits(inChannels: inChannels, outChannels: outChannels))
        self.u = Self.transform(kernel, inChannels: inChannels, outChannels: outChannels, flipped: false)
        self.inChannels = inChannels; self.outChannels = outChannels; self.transposed = false
    }

    /// The kernel whose forward convolution maps ∂L/∂y (Cout channels) to ∂L/∂x (Cin channels): the forward kernel
    /// turned 180° with its channel axes swapped; stored transposed so the transform runs over the same layout.
    public init(inputGradientOf kernel: [Float], inChannels: Int, outChannels: Int) {
        precondition(kernel.count == 9 * inChannels * outChannels && Self.fits(inChannels: inChannels, outChannels: outChannels))
        self.u = Self.transform(kernel, inChannels: inChannels, outChannels: outChannels, flipped: true)
        self.inChannels = outChannels; self.outChannels = inChannels; self.transposed = true
    }

    /// (G g Gᵀ) for every (Cin, Cout) pair, 8 output channels at a time, in Double; `flipped` turns g by 180°.
    private static func transform(_ kernel: [Float], inChannels cin: Int, outChannels cout: Int, flipped: Bool) -> [Float] {
        typealias D8 = SIMD8<Double>
        @inline(__always) func g(_ v0: D8, _ v1: D8, _ v2: D8) -> (D8, D8, D8, D8, D8, D8) {
            let a = (v0 + v2) * (-1.0 / 6), b = v1 * (-1.0 / 6), c = v0 * (1.0 / 24) + v2 * (1.0 / 6), d = v1 * (1.0 / 12)
            return (v0 * 0.25, a + b, a - b, c + d, c - d, v2)
        }
        var u = [Float](repeating: 0, count: 36 * cin * cout)
        kernel.withUnsafeBufferPointer { k in
            u.withUnsafeMutableBufferPointer { out in
                var t = [D8](repeating: .zero, count: 18)
                for ci in 0..<cin {
                    for co in stride(from: 0, to: cout, by: 8) {
                        @inline(__always) func w(_ ky: Int, _ kx: Int) -> D8 {
                            let y = flipped ? 2 - ky : ky, x = flipped ? 2 - kx : kx
                            let p = k.baseAddress! + ((y * 3 + x) * cin + ci) * cout + co
                            var v = D8()
                            for i in 0..<8 { v[i] = Double(p[i]) }
                            return v
                        }
                        for kx in 0..<3 {   // t (6×3) = G · g
                            let r = g(w(0, kx), w(1, kx), w(2, kx))
                            t[kx] = r.0; t[3 + kx] = r.1; t[6 + kx] = r.2; t[9 + kx] = r.3; t[12 + kx] = r.4; t[15 + kx] = r.5
                        }
                        for a in 0..<6 {    // U[a][·] = t[a] · Gᵀ
                            let r = g(t[3 * a], t[3 * a + 1], t[3 * a + 2])
                            // Forward: U_p (Cin, Cout); transposed (input gradient): the same (Cin, Cout) read as Bᵀ.
                            let dst = out.baseAddress! + ((a * 6) * cin + ci) * cout + co, step = cin * cout
                            @inline(__always) func put(_ b: Int, _ value: D8) { for i in 0..<8 { dst[b * step + i] = Float(value[i]) } }
                            put(0, r.0); put(1, r.1); put(2, r.2); put(3, r.3); put(4, r.4); put(5, r.5)
                        }
                    }
                }
            }
        }
        return u
    }
}
