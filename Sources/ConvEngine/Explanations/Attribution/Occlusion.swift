/// Occlusion (Zeiler & Fergus, 2014): slide a window over the image, fill it with the baseline, and credit every value
/// under the window with the fall in the score; each value gets the mean over the windows that covered it. As Captum's
/// `Occlusion` with a window over all channels. One forward pass per window position, batched.
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
        let input = x.input.data
        let own = try x.runner.classify(x.activations).score(x.classIndex, x.score)
        let ys = Array(Swift.stride(from: 0, through: h - window, by: stride))
        let xs = Array(Swift.stride(from: 0, through: w - window, by: stride))
        let positions = ys.flatMap { y in xs.map { (y, $0) } }
        let batch = x.runner.batchRunner()
        var total = [Float](repeating: 0, count: h * w)
        var covered = [Float](repeating: 0, count: h * w)
        var start = 0
        while start < positions.count {
            let group = positions[start..<min(start + 16, positions.count)]
            var inputs: [Float] = []
            inputs.reserveCapacity(group.count * input.count)
            for (y0, x0) in group {
                var occluded = input
                for y in y0..<(y0 + window) {
                    for xx in x0..<(x0 + window) { for k in 0..<c { occluded[(y * w + xx) * c + k] = fill } }
                }
                inputs += occluded
            }
            let scores = x.scores(inputs, count: group.count, batch: batch)
            for ((y0, x0), s) in zip(group, scores) {
                for y in y0..<(y0 + window) {
                    for xx in x0..<(x0 + window) {
                        total[y * w + xx] += own - s
                        covered[y * w + xx] += 1
                    }
                }
            }
            start += group.count
        }
        return (0..<(h * w * c)).map { i in covered[i / c] > 0 ? total[i / c] / covered[i / c] : 0 }
    }
}
