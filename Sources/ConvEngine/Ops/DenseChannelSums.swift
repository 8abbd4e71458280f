/// A dense kernel's rows summed by the channel that feeds them: S[k, j] = Σ over inputs f of channel k of K[f, j].
/// With it, Σ over positions of ∂L/∂x for channel k is S[k, ·] · ∂L/∂(pre-activation): Grad-CAM's channel weights
/// read S (VGG16: 512 × 4096, 8 MiB) instead of the whole kernel (fc1: 25088 × 4096, 392 MiB) on every call.
public enum DenseChannelSums {
    /// kernel (inputs, outputs) row-major, `channelOf[f]` in 0..<channels → S (channels, outputs) row-major. The
    /// kernel is read once, in blocks of 256 columns whose sums (channels × 1 KiB) stay in the cache; `ways` splits
    /// the blocks.
    public static func make(
        kernel: UnsafePointer<Float>, inputs: Int, outputs: Int, channelOf: [Int32], channels: Int, ways: Int = 1
    ) -> [Float] {
        precondition(channelOf.count == inputs)
        var sums = [Float](repeating: 0, count: channels * outputs)
        sums.withUnsafeMutableBufferPointer { sp in
            channelOf.withUnsafeBufferPointer { cp in
                add(
                    kernelRows: kernel, channelOf: cp, channels: channels, outputs: outputs, into: sp.baseAddress!,
                    ways: ways)
            }
        }
        return sums
    }

    /// S[channelOf[f], :] += row f of the kernel rows at `kernelRows` (one row per entry of `channelOf`; a chunk of a
    /// streamed kernel, or all of it), S (channels, outputs) row-major.
    public static func add(
        kernelRows kernel: UnsafePointer<Float>, channelOf cp: UnsafeBufferPointer<Int32>, channels: Int, outputs: Int,
        into s: UnsafeMutablePointer<Float>, ways: Int = 1
    ) {
        precondition(cp.allSatisfy { $0 >= 0 && Int($0) < channels })
        let width = 256
        let blocks = (outputs + width - 1) / width
        Parallel.split(blocks, ways: ways) { _, share in
            for block in share {
                let j0 = block * width
                let n = min(width, outputs - j0)
                for f in cp.indices {
                    add(kernel + f * outputs + j0, into: s + Int(cp[f]) * outputs + j0, count: n)
                }
            }
        }
    }

    @inline(__always) private static func add(
        _ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count n: Int
    ) {
        var j = 0
        while j + 16 <= n {
            let v =
                UnsafeRawPointer(x + j).loadUnaligned(as: SIMD16<Float>.self)
                + UnsafeRawPointer(y + j).loadUnaligned(as: SIMD16<Float>.self)
            UnsafeMutableRawPointer(y + j).storeBytes(of: v, as: SIMD16<Float>.self)
            j += 16
        }
        while j < n {
            y[j] += x[j]
            j += 1
        }
    }
}
