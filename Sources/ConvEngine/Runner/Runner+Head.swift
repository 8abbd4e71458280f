/// The classifier head: the layers after the last one that keeps positions apart (flatten, dense, element-wise),
/// run over many images at once. Its weights are most of a VGG's bytes (fc1: 411 MB), and a batch of 16 reads them
/// (and OpenBLAS packs them) for little arithmetic, so the local passes stop before the head and feed it 128 at a time.
extension Runner {
    /// How many images the head takes at once.
    static let headBatch = 128

    /// The first layer of the head (nil when the model has no dense layer, or one above a convolution or pool).
    var headStart: Int? {
        var start: Int? = nil
        for i in layers.indices.reversed() {
            switch layers[i].kind {
            case .dense: start = i
            case .flatten, .activation, .dropout: if start != nil { start = i }
            default: return start.map { $0 > 0 ? $0 : nil } ?? nil
            }
        }
        return nil
    }

    /// The last layer's outputs for `n` inputs of layer `start` (default `headStart`) laid one after another, all `n`
    /// at once in the runner's pass buffers.
    func headOutputs(_ inputs: [Float], count n: Int, from start: Int? = nil) -> [Float] {
        guard let start = start ?? headStart else { preconditionFailure("a model with a head") }
        precondition(inputs.count == n * inputShape(start).count, "inputs of the head's layer")
        let largest = max(inputShape(start).count, layers[start...].map(\.output.count).max() ?? 0)
        return withPassBuffers(floats: n * largest) { x, y in
            x.withUnsafeMutableBufferPointer { p in
                _ = UnsafeMutableBufferPointer(rebasing: p[..<inputs.count]).update(fromContentsOf: inputs)
            }
            runLayers(from: start, count: n, x: &x, y: &y)
            return Array(x.prefix(n * layers[layers.count - 1].output.count))
        }
    }
}
