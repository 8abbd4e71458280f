/// 2×2 max-pool with stride 2 ('valid'; VGG16's sizes are even). Forward and backward side by side.
public enum MaxPool2x2 {
    /// x (H,W,C) → y (H/2,W/2,C); `ways` > 1 splits the output rows over that many threads.
    public static func forward(
        x: UnsafePointer<Float>, height: Int, width: Int, channels: Int, y: UnsafeMutablePointer<Float>,
        ways: Int = 1
    ) {
        let oh = height / 2
        let ow = width / 2
        Parallel.split(oh, ways: ways) { _, rows in
            for oy in rows {
                for ox in 0..<ow {
                    let a = x + ((2 * oy) * width + 2 * ox) * channels
                    let b = a + channels
                    let c = a + width * channels
                    let d = c + channels
                    let out = y + (oy * ow + ox) * channels
                    for ch in 0..<channels { out[ch] = max(max(a[ch], b[ch]), max(c[ch], d[ch])) }
                }
            }
        }
    }

    /// dy (H/2,W/2,C), x (H,W,C) → dx (H,W,C), overwritten: each window's gradient goes to its first maximum in
    /// row-major order, as TensorFlow's MaxPoolGrad does; the window's other three positions get 0. Eight channels at
    /// a time; `ways` > 1 splits the output rows over that many threads.
    public static func backward(
        dy: UnsafePointer<Float>, x: UnsafePointer<Float>, height: Int, width: Int, channels: Int,
        dx: UnsafeMutablePointer<Float>, ways: Int = 1
    ) {
        let oh = height / 2
        let ow = width / 2
        let vectors = channels / 8
        Parallel.split(oh, ways: ways) { _, rows in
            for oy in rows {
                for ox in 0..<ow {
                    let base = ((2 * oy) * width + 2 * ox) * channels
                    let o1 = base + channels
                    let o2 = base + width * channels
                    let o3 = o2 + channels
                    let g = dy + (oy * ow + ox) * channels
                    for v in 0..<vectors {
                        let ch = v * 8
                        let a = load(x + base + ch)
                        let b = load(x + o1 + ch)
                        let c = load(x + o2 + ch)
                        let d = load(x + o3 + ch)
                        let gg = load(g + ch)
                        let toB = b .> a
                        let best1 = a.replacing(with: b, where: toB)
                        let toC = c .> best1
                        let best2 = best1.replacing(with: c, where: toC)
                        let toD = d .> best2
                        let onC = toC .& .!toD
                        let onB = toB .& .!toC .& .!toD
                        let onA = .!toB .& .!toC .& .!toD
                        let zero = SIMD8<Float>(repeating: 0)
                        store(zero.replacing(with: gg, where: onA), dx + base + ch)
                        store(zero.replacing(with: gg, where: onB), dx + o1 + ch)
                        store(zero.replacing(with: gg, where: onC), dx + o2 + ch)
                        store(zero.replacing(with: gg, where: toD), dx + o3 + ch)
                    }
                    for ch in (vectors * 8)..<channels {
                        var best = base + ch
                        if x[o1 + ch] > x[best] { best = o1 + ch }
                        if x[o2 + ch] > x[best] { best = o2 + ch }
                        if x[o3 + ch] > x[best] { best = o3 + ch }
                        dx[base + ch] = 0
                        dx[o1 + ch] = 0
                        dx[o2 + ch] = 0
                        dx[o3 + ch] = 0
                        dx[best] = g[ch]
                    }
                }
            }
        }
    }

    @inline(__always) private static func load(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inline(__always) private static func store(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
    }
}
