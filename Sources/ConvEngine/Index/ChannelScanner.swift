/// Every chosen channel's strongest value in one image and where it is: the layers' channels one after another, in
/// the order of the scanner's layers; positions are y·width + x in each layer's map.
public struct ImageMaxima: Equatable, Sendable {
    public var values: [Float]
    public var positions: [Int32]

    public init(values: [Float], positions: [Int32]) {
        precondition(values.count == positions.count)
        self.values = values; self.positions = positions
    }
}

/// Runs batches of preprocessed images through a model, only as far as the deepest chosen hidden layer, and finds
/// each chosen channel's maximum and its position in every image as each layer is made (one pass over its outputs,
/// split over the cores). Not thread-safe: one scanner per queue.
public final class ChannelScanner {
    public let layers: [LayerInfo]
    public let batch: Int
    public let inputShape: TensorShape
    private let runner: Runner
    private let deepest: Int
    /// Where each chosen layer's channels start in an `ImageMaxima`, and which layer a model layer's output feeds.
    private let offsets: [Int]
    private let tapOf: [Int: Int]
    public let channelCount: Int

    /// `layers`: hidden layers of `model` (any order; duplicates are an error of the caller).
    public init(model: Model, layers: [LayerInfo], batch: Int = 8, ways: Int = Parallel.cores) throws {
        precondition(!layers.isEmpty && batch >= 1)
        self.layers = layers
        self.batch = batch
        inputShape = model.input
        deepest = layers.map(\.last).max()!
        runner = Runner(model: try model.truncated(through: deepest, input: model.input), batch: batch, ways: ways)
        var offsets: [Int] = [], total = 0
        for l in layers { offsets.append(total); total += l.channels }
        self.offsets = offsets
        channelCount = total
        tapOf = Dictionary(uniqueKeysWithValues: layers.enumerated().map { ($1.last, $0) })
    }

    /// The maxima of `n` preprocessed images (each `inputShape.count` floats, laid one after another; n ≤ `batch`).
    public func scan(_ inputs: [Float], count n: Int) -> [ImageMaxima] {
        var values = [Float](repeating: -.infinity, count: n * channelCount)
        var positions = [Int32](repeating: 0, count: n * channelCount)
        var best = [Float](), at = [Int32]()
        inputs.withUnsafeBufferPointer { input in
            runner.forward(input, count: n, through: deepest) { i, y in
                guard let t = tapOf[i] else { return }
                let l = layers[t], c = l.channels
                best = [Float](repeating: -.infinity, count: n * c)
                at = [Int32](repeating: 0, count: n * c)
                best.withUnsafeMutableBufferPointer { b in
                    at.withUnsafeMutableBufferPointer { a in
                        ChannelMaxima.scan(y, count: n, pixels: l.height * l.width, channels: c, ways: runner.ways,
                                           best: b.baseAddress!, at: a.baseAddress!)
                    }
                }
                for image in 0..<n {
                    let to = image * channelCount + offsets[t]
                    values.replaceSubrange(to..<to + c, with: best[(image * c)..<(image * c + c)])
                    positions.replaceSubrange(to..<to + c, with: at[(image * c)..<(image * c + c)])
                }
            }
        }
        return (0..<n).map { image in
            let r = (image * channelCount)..<((image + 1) * channelCount)
            return ImageMaxima(values: Array(values[r]), positions: Array(positions[r]))
        }
    }
}
