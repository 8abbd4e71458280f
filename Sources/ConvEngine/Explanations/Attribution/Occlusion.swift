/// Occlusion (Zeiler & Fergus, 2014): slide a window over the image, fill it with the baseline, and credit every value
/// under the window with the fall in the score; each value gets the mean over the windows that covered it. As Captum's
/// `Occlusion` with a window over all channels. One forward pass per window position, batched, each recomputing only
/// what the window reaches (`LocalChangeScorer`).
public struct Occlusion: AttributionMethod {
    public let name = "occlusion", title = "Occlusion"
    public var window: Int, stride: Int
    public var fill: Float
    public init(window: Int = 16, stride: Int = 8, fill: Float = 0) {
        self.window = window
        self.stride = stride
        self.fill = fill
    }

    public func attribute(_ x: AttributionInputs) throws -> [Float] {
        let h = x.input.height
        let w = x.input.width
        let c = x.input.channels
        let scorer = try x.runner.localChangeScorer(base: x.activations, classIndex: x.classIndex, kind: x.score)
        let ys = Array(Swift.stride(from: 0, through: h - window, by: stride))
        let xs = Array(Swift.stride(from: 0, through: w - window, by: stride))
        let boxes = ys.flatMap { y in xs.map { Box(y0: y, y1: y + window, x0: $0, x1: $0 + window) } }
        let filled = [Float](repeating: fill, count: window * window * c)
        let scores = scorer.scores(boxes.map { LocalChange(box: $0, values: filled) })
        var total = [Float](repeating: 0, count: h * w)
        var covered = [Float](repeating: 0, count: h * w)
        for (box, s) in zip(boxes, scores) {
            for y in box.y0..<box.y1 {
                for xx in box.x0..<box.x1 {
                    total[y * w + xx] += scorer.baseScore - s
                    covered[y * w + xx] += 1
                }
            }
        }
        return (0..<(h * w * c)).map { i in covered[i / c] > 0 ? total[i / c] / covered[i / c] : 0 }
    }
}
