/// The taps of a 1-D antialiased triangle (tent) filter, as Pillow's `BILINEAR`:
/// support 1 pixel when enlarging, `inSize / outSize` input pixels when shrinking.
struct ResampleKernel {
    /// First input index read by each output index.
    let starts: [Int]
    /// Number of taps of each output index.
    let counts: [Int]
    /// `stride` weights per output index, normalised to sum 1; unused ones are 0.
    let weights: [Float]
    let stride: Int

    init(inSize: Int, outSize: Int) {
        precondition(inSize > 0 && outSize > 0, "ResampleKernel: sizes must be positive")
        let scale = Double(inSize) / Double(outSize)
        let filterScale = max(scale, 1)
        let support = filterScale  // the triangle's support is 1 at scale 1
        let stride = Int(support.rounded(.up)) * 2 + 1
        var starts = [Int](repeating: 0, count: outSize)
        var counts = [Int](repeating: 0, count: outSize)
        var weights = [Float](repeating: 0, count: outSize * stride)
        var raw = [Double](repeating: 0, count: stride)
        for i in 0..<outSize {
            let center = (Double(i) + 0.5) * scale
            let lo = max(Int((center - support + 0.5).rounded(.down)), 0)
            let hi = min(Int((center + support + 0.5).rounded(.down)), inSize)
            var total = 0.0
            for j in lo..<hi {
                let w = max(0, 1 - abs((Double(j) - center + 0.5) / filterScale))
                raw[j - lo] = w
                total += w
            }
            starts[i] = lo
            counts[i] = hi - lo
            for k in 0..<(hi - lo) { weights[i * stride + k] = Float(total > 0 ? raw[k] / total : 0) }
        }
        self.starts = starts
        self.counts = counts
        self.weights = weights
        self.stride = stride
    }
}
