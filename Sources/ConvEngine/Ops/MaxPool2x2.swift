/// 2×2 max-pool with stride 2 ('valid'; VGG16's sizes are even). Forward and backward side by side.
public enum MaxPool2x2 {
    /// x (H,W,C) → y (H/2,W/2,C); `ways` > 1 splits the output rows over that many threads.
    public static func forward(x: UnsafePointer<Float>, height: Int, width: Int, channels: Int, y: UnsafeMutablePointer<Float>,
                               ways: Int = 1) {
        let oh = height / 2, ow = width / 2
        Parallel.split(oh, ways: ways) { _, rows in for oy in rows {
            for ox in 0..<ow {
                let a = x + ((2 * oy) * width + 2 * ox) * channels
                let b = a + channels, c = a + width * channels, d = c + channels
                let out = y + (oy * ow + ox) * channels
                for ch in 0..<channels { out[ch] = max(max(a[ch], b[ch]), max(c[ch], d[ch])) }
            }
        } }
    }

    /// dy (H/2,W/2,C), x (H,W,C) → dx (H,W,C), overwritten: each window's gradient goes to its first maximum in
    /// row-major order, as TensorFlow's MaxPoolGrad does.
    public static func backward(dy: UnsafePointer<Float>, x: UnsafePointer<Float>, height: Int, width: Int, channels: Int,
                                dx: UnsafeMutablePointer<Float>) {
        dx.update(repeating: 0, count: height * width * channels)
        let oh = height / 2, ow = width / 2
        for oy in 0..<oh {
            for ox in 0..<ow {
                let base = ((2 * oy) * width + 2 * ox) * channels
                let o1 = base + channels, o2 = base + width * channels, o3 = o2 + channels
                let g = dy + (oy * ow + ox) * channels
                for ch in 0..<channels {
                    var best = base + ch
                    if x[o1 + ch] > x[best] { best = o1 + ch }
                    if x[o2 + ch] > x[best] { best = o2 + ch }
                    if x[o3 + ch] > x[best] { best = o3 + ch }
                    dx[best] += g[ch]
                }
            }
        }
    }
}
