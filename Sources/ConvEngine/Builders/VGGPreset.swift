/// The VGG configurations of Simonyan & Zisserman as Keras and torchvision name them: convolutions per block
/// (torchvision's cfgs A, B, D, E). A weights-only file holds no graph, so its convolutions per block must match
/// exactly one preset, or the file is refused: a VGG19 file is never read as a VGG16.
public struct VGGPreset: Equatable, Sendable {
    public let name: String
    public let convsPerBlock: [Int]

    public static let vgg11 = VGGPreset(name: "VGG11", convsPerBlock: [1, 1, 2, 2, 2])
    public static let vgg13 = VGGPreset(name: "VGG13", convsPerBlock: [2, 2, 2, 2, 2])
    public static let vgg16 = VGGPreset(name: "VGG16", convsPerBlock: [2, 2, 3, 3, 3])
    public static let vgg19 = VGGPreset(name: "VGG19", convsPerBlock: [2, 2, 4, 4, 4])
    public static let all = [vgg11, vgg13, vgg16, vgg19]

    public static func matching(_ convsPerBlock: [Int]) -> VGGPreset? {
        all.first { $0.convsPerBlock == convsPerBlock }
    }

    /// "2,2,3,3,3": how a refusal shows a block structure.
    static func describe(_ counts: [Int]) -> String { counts.map(String.init).joined(separator: ",") }
    static var known: String { all.map { "\($0.name) (\(describe($0.convsPerBlock)))" }.joined(separator: ", ") }

    /// Keras's names, block by block: block1_conv1, block1_conv2, block1_pool, …
    var convNames: [[String]] {
        convsPerBlock.enumerated().map { b, n in (1...n).map { "block\(b + 1)_conv\($0)" } }
    }

    /// torchvision's `features.N` index of every convolution, block by block (with BatchNorm: conv, bn, relu).
    func torchvisionConvIndices(batchNorm: Bool) -> [[Int]] {
        var index = 0
        return convsPerBlock.map { n in
            var block: [Int] = []
            for _ in 0..<n {
                block.append(index)
                index += batchNorm ? 3 : 2
            }
            index += 1  // the block's max-pool
            return block
        }
    }
}

/// What a weights-only VGG file gave, in the canonical layouts, before it is bound into a `Model`.
struct VGGTensors {
    struct Conv {
        var kernel: [Float]
        var bias: [Float]
        var inChannels: Int
        var outChannels: Int
        var batchNorm: ChannelAffine?
    }
    struct Dense {
        var name: String
        var kernel: [Float]
        var bias: [Float]
        var inputs: Int
        var outputs: Int
    }
    var preset: VGGPreset
    var convs: [[Conv]]  // per block
    var classifier: [Dense]  // empty for a backbone
    var flatten: FlattenOrder
    var inputSize: Int
    var preprocessing: Preprocessing
    var lastActivation: Activation  // Keras: softmax; torchvision/timm: linear (logits)
    var format: String
    var sourceName: String

    /// Binds the tensors into the preset's layers, Keras's names throughout.
    func model() throws -> Model {
        var layers: [Layer] = []
        for (b, block) in convs.enumerated() {
            for (k, c) in block.enumerated() {
                let name = preset.convNames[b][k]
                let bn = c.batchNorm
                layers.append(
                    Layer(
                        name,
                        .conv2D(
                            Conv2DParameters(
                                kernel: c.kernel, bias: c.bias, kernelHeight: 3, kernelWidth: 3,
                                inChannels: c.inChannels,
                                outChannels: c.outChannels, padding: .same, activation: bn == nil ? .relu : .linear))))
                if let bn {
                    layers.append(Layer(name + "_bn", .channelAffine(bn)))
                    layers.append(Layer(name + "_relu", .activation(.relu)))
                }
            }
            layers.append(Layer("block\(b + 1)_pool", .maxPool(PoolParameters(size: (2, 2)))))
        }
        if !classifier.isEmpty {
            layers.append(Layer("flatten", .flatten(flatten)))
            for (i, d) in classifier.enumerated() {
                let last = i == classifier.count - 1
                layers.append(
                    Layer(
                        d.name,
                        .dense(
                            DenseLayerParameters(
                                kernel: d.kernel, bias: d.bias, inputs: d.inputs,
                                outputs: d.outputs, activation: last ? lastActivation : .relu))))
            }
        }
        return try Model(
            name: preset.name, format: format, sourceName: sourceName, input: TensorShape(inputSize, inputSize, 3),
            preprocessing: preprocessing, layers: layers)
    }

    /// Input side from fc1's inputs: (side/32)² · C5.
    static func inputSize(flattened: Int, lastChannels c5: Int, file: String) throws -> Int {
        let cells = flattened / max(c5, 1)
        let side = Int(Double(cells).squareRoot().rounded())
        guard c5 > 0, cells * c5 == flattened, side * side == cells, side > 0 else {
            throw ModelError.badShape(
                file: file, layer: "fc1", detail: "its \(flattened) inputs are not a square map of \(c5) channels")
        }
        return side * 32
    }

    /// (rows, cols) → (cols, rows)
    static func transpose(_ m: [Float], rows: Int, cols: Int) -> [Float] {
        var t = [Float](repeating: 0, count: m.count)
        m.withUnsafeBufferPointer { s in
            t.withUnsafeMutableBufferPointer { d in
                for r in 0..<rows { for c in 0..<cols { d[c * rows + r] = s[r * cols + c] } }
            }
        }
        return t
    }
}
