import Foundation

/// A randomised kernel's numbers, made where they are read instead of held (`KernelStorage(noise:)`): value p is
/// `std` × the standard normal's quantile at a 16-bit uniform, the (p mod 4)-th quarter of SplitMix64's mix of
/// `key` + ⌊p / 4⌋ · γ. Any range is made without the values before it, so VGG16's randomised fc1 (411 MB) is made a
/// chunk at a time by every pass that reads it and never held whole. The quantiles are those of (k + ½) / 65536:
/// the normal distribution to 1/65536 in probability, cut at ±4.32σ.
struct KernelNoise: Sendable {
    let key: UInt64
    let std: Float
    let count: Int

    /// Values `r` into `y[0..<r.count]`, split over `ways` threads.
    func fill(_ r: Range<Int>, into y: UnsafeMutablePointer<Float>, ways: Int = 1) {
        precondition(r.lowerBound >= 0 && r.upperBound <= count, "a range of the kernel")
        let groups = (r.count + 3) / 4
        Parallel.split(groups, ways: r.count >= 1 << 16 ? ways : 1) { _, share in
            let start = r.lowerBound + share.lowerBound * 4
            let end = min(r.lowerBound + share.upperBound * 4, r.upperBound)
            fillSerial(start..<end, into: y + (start - r.lowerBound))
        }
    }

    private func fillSerial(_ r: Range<Int>, into y: UnsafeMutablePointer<Float>) {
        KernelNoise.quantiles.withUnsafeBufferPointer { q in
            var p = r.lowerBound
            while p < r.upperBound {
                var h = SplitMix64.mix(key &+ UInt64(p >> 2) &* 0x9E37_79B9_7F4A_7C15) >> (UInt64(p & 3) * 16)
                let end = min((p | 3) + 1, r.upperBound)
                while p < end {
                    y[p - r.lowerBound] = q[Int(h & 0xFFFF)] * std
                    h >>= 16
                    p += 1
                }
            }
        }
    }

    /// Every value, as an array.
    func array(ways: Int = 1) -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { b, n in
            fill(0..<count, into: b.baseAddress!, ways: ways)
            n = count
        }
    }

    /// Φ⁻¹((k + ½) / 65536) for k in 0..<65536, by bisection on Φ(x) = erfc(−x/√2) / 2 (made once, about 20 ms).
    static let quantiles: [Float] = {
        let n = 65536
        var q = [Float](repeating: 0, count: n)
        for k in n / 2..<n {
            let u = (Double(k) + 0.5) / Double(n)
            var lo = 0.0
            var hi = 6.0
            for _ in 0..<48 {
                let mid = (lo + hi) / 2
                if erfc(-mid / 2.0.squareRoot()) / 2 < u { lo = mid } else { hi = mid }
            }
            q[k] = Float((lo + hi) / 2)
            q[n - 1 - k] = -q[k]
        }
        return q
    }()
}
