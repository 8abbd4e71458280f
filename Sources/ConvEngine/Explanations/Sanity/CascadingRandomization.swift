import Foundation

/// Adebayo et al., "Sanity Checks for Saliency Maps" (NeurIPS 2018), cascading randomisation: the model's weighted
/// layers are re-initialised one by one from the output down, and an explanation is recomputed after each. A map
/// that barely changes while the network it claims to explain is destroyed explains the image (its edges), not the
/// network. Re-initialisation here: He-normal kernels (standard deviation √(2 / fan-in)) from a seeded counter-based
/// generator (`KernelNoise`), biases zero, the layer's shape and activation kept.
extension Model {
    /// The convolutions and dense layers, from the output down (the order the check randomises them in).
    public var weightedLayersTopDown: [String] {
        layers.reversed().compactMap { l in
            switch l.kind {
            case .conv2D, .dense: return l.name
            default: return nil
            }
        }
    }

    /// A copy with the kernels of the layers named in `names` re-initialised and their biases zeroed. Each layer's
    /// numbers come from its own generator (the seed and the layer's position), so randomising layers one call at a
    /// time gives the same model as randomising them all in one. The copy shares this model's Winograd kernels of
    /// every layer it keeps; its dense kernels are made where they are read, never held (VGG16's fc1, fc2 and
    /// predictions: 472 MB).
    public func randomizing(_ names: Set<String>, seed: UInt64 = 2018) throws -> Model {
        let changed = layers.enumerated().map { index, layer -> Layer in
            guard names.contains(layer.name) else { return layer }
            let key = SplitMix64.mix(seed &+ UInt64(index) &* 0x9E37_79B9_7F4A_7C15)
            var l = layer
            switch l.kind {
            case .conv2D(var c):
                let std = (2 / Float(c.kernelHeight * c.kernelWidth * c.inChannels)).squareRoot()
                let count = c.kernelHeight * c.kernelWidth * c.inChannels * c.outChannels
                // The trained kernel is not read back; the Winograd transform reads this one whole.
                c.kernel = KernelNoise(key: key, std: std, count: count).array(ways: Parallel.cores)
                c.bias = c.bias.map { [Float](repeating: 0, count: $0.count) }
                l.kind = .conv2D(c)
            case .dense(var d):
                let std = (2 / Float(d.inputs)).squareRoot()
                d.storage = KernelStorage(noise: KernelNoise(key: key, std: std, count: d.inputs * d.outputs))
                d.bias = d.bias.map { [Float](repeating: 0, count: $0.count) }
                l.kind = .dense(d)
            default: break
            }
            return l
        }
        var m = try replacingLayers(changed)
        m.winograd = winograd.sharing(except: Set(layers.indices.filter { names.contains(layers[$0].name) }))
        return m
    }
}

extension SplitMix64 {
    /// Uniform in (0, 1], double precision.
    mutating func unit() -> Double { (Double(next() >> 11) + 1) / 9_007_199_254_740_992 }

    /// Standard normal (Box–Muller): the same numbers on every machine for a seed.
    mutating func normal() -> Float {
        Float((-2 * log(unit())).squareRoot() * cos(2 * Double.pi * unit()))
    }
}

/// How alike two maps of the same size are, as Adebayo et al. measure it.
public enum MapSimilarity {
    /// Spearman's rank correlation (ties share their average rank); 1 for identical orderings.
    public static func spearman(_ a: [Float], _ b: [Float]) -> Float {
        precondition(a.count == b.count, "maps of one size")
        let ra = ranks(a)
        let rb = ranks(b)
        let n = Double(a.count)
        let ma = ra.reduce(0, +) / n
        let mb = rb.reduce(0, +) / n
        var sab = 0.0
        var saa = 0.0
        var sbb = 0.0
        for i in ra.indices {
            sab += (ra[i] - ma) * (rb[i] - mb)
            saa += (ra[i] - ma) * (ra[i] - ma)
            sbb += (rb[i] - mb) * (rb[i] - mb)
        }
        return saa > 0 && sbb > 0 ? Float(sab / (saa * sbb).squareRoot()) : (saa == sbb ? 1 : 0)
    }

    static func ranks(_ x: [Float]) -> [Double] {
        let order = x.indices.sorted { x[$0] < x[$1] }
        var r = [Double](repeating: 0, count: x.count)
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count && x[order[j + 1]] == x[order[i]] { j += 1 }
            let average = Double(i + j) / 2 + 1
            for k in i...j { r[order[k]] = average }
            i = j + 1
        }
        return r
    }

    /// SSIM as scikit-image computes it by default (7×7 uniform window, sample covariance, K1 0.01, K2 0.03) over
    /// maps in [0, 1] (data range 1): the mean over every window that fits; a map smaller than the window is one
    /// window.
    public static func ssim(_ a: [Float], _ b: [Float], height: Int, width: Int) -> Float {
        precondition(a.count == height * width && b.count == a.count, "maps of one size")
        let wy = min(7, height)
        let wx = min(7, width)
        let np = Double(wy * wx)
        let covarianceNorm = np > 1 ? np / (np - 1) : 1
        let c1 = 0.01 * 0.01
        let c2 = 0.03 * 0.03
        var total = 0.0
        var windows = 0
        for y0 in 0...(height - wy) {
            for x0 in 0...(width - wx) {
                var sa = 0.0
                var sb = 0.0
                var saa = 0.0
                var sbb = 0.0
                var sab = 0.0
                for y in y0..<(y0 + wy) {
                    for x in x0..<(x0 + wx) {
                        let u = Double(a[y * width + x])
                        let v = Double(b[y * width + x])
                        sa += u
                        sb += v
                        saa += u * u
                        sbb += v * v
                        sab += u * v
                    }
                }
                let ma = sa / np
                let mb = sb / np
                let va = covarianceNorm * (saa / np - ma * ma)
                let vb = covarianceNorm * (sbb / np - mb * mb)
                let cov = covarianceNorm * (sab / np - ma * mb)
                total += ((2 * ma * mb + c1) * (2 * cov + c2)) / ((ma * ma + mb * mb + c1) * (va + vb + c2))
                windows += 1
            }
        }
        return Float(total / Double(windows))
    }
}
