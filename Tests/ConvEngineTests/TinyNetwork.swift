import ConvEngine
import Foundation

/// A tiny VGG16: 13 3×3 convolutions in blocks of 2, 2, 3, 3, 3 (block b with `widths[b]` channels), 2×2 max-pools,
/// and the classifier fc1, fc2 (`fcWidth` units) and predictions (`classes`), named as Keras names them.
struct TinyArchitecture: Equatable {
    var widths: [Int]
    var fcWidth: Int
    var classes: Int
    var inputSize: Int

    static let convsPerBlock = [2, 2, 3, 3, 3]
    static let convLayerNames = convsPerBlock.enumerated().flatMap { b, n in (1...n).map { "block\(b + 1)_conv\($0)" } }
    static let hiddenLayerNames = convsPerBlock.enumerated().flatMap { b, n in
        (1...n).map { "block\(b + 1)_conv\($0)" } + ["block\(b + 1)_pool"]
    }
    static let classifierLayerNames = ["fc1", "fc2", "predictions"]

    /// (Cin, Cout) of each convolution.
    var convShapes: [(inChannels: Int, outChannels: Int)] {
        var shapes: [(Int, Int)] = []
        var c = 3
        for (b, n) in Self.convsPerBlock.enumerated() {
            for _ in 0..<n {
                shapes.append((c, widths[b]))
                c = widths[b]
            }
        }
        return shapes
    }

    /// Side of block5_pool's map.
    var side: Int { inputSize / 32 }
    var flattenSize: Int { side * side * widths[4] }
}

/// The tiny VGG16 the gradient and loader tests run, built straight from `Layer`s with seeded random weights, and a
/// test-side forward pass built only from the public ops so a layer's output can be perturbed and the rest of the
/// network re-run by hand.
enum TinyNetwork {
    /// Last pool 1×1×5: fc1 sees 5 inputs.
    static let architecture = TinyArchitecture(widths: [2, 3, 4, 4, 5], fcWidth: 6, classes: 7, inputSize: 32)
    /// Last pool 7×7×5, the size torchvision's classifier reads (its adaptive pool is 7×7): fc1's flatten order
    /// (H·W·C vs C·H·W) matters, so loader tests use this one.
    static let loaderArchitecture = TinyArchitecture(widths: [2, 3, 4, 4, 5], fcWidth: 6, classes: 7, inputSize: 224)

    /// He-uniform kernels and small positive biases, so ReLUs stay alive through 13 layers of 2–5 channels.
    /// The predictions layer carries the softmax, as a Keras file's does (the model holds it as its output).
    static func randomModel(
        _ a: TinyArchitecture = architecture, seed: UInt64, classifier: Bool = true,
        preprocessing: Preprocessing = .caffe
    ) -> Model {
        var rng = SeededRandom(seed: seed)
        var layers: [Layer] = []
        var shapes = a.convShapes[...]
        for (b, n) in TinyArchitecture.convsPerBlock.enumerated() {
            for k in 1...n {
                let s = shapes.removeFirst()
                let bound = (6 / Float(9 * s.inChannels)).squareRoot()
                let kernel = rng.floats(9 * s.inChannels * s.outChannels, -bound, bound)
                let bias = rng.floats(s.outChannels, 0, 0.1)
                layers.append(
                    Layer(
                        "block\(b + 1)_conv\(k)",
                        .conv2D(
                            Conv2DParameters(
                                kernel: kernel, bias: bias, kernelHeight: 3, kernelWidth: 3, inChannels: s.inChannels,
                                outChannels: s.outChannels,
                                padding: .same, activation: .relu))))
            }
            layers.append(Layer("block\(b + 1)_pool", .maxPool(PoolParameters(size: (2, 2)))))
        }
        if classifier {
            layers.append(Layer("flatten", .flatten(.hwc)))
            let dims = [(a.flattenSize, a.fcWidth), (a.fcWidth, a.fcWidth), (a.fcWidth, a.classes)]
            for (l, (inputs, outputs)) in dims.enumerated() {
                let bound = (6 / Float(inputs)).squareRoot()
                let kernel = rng.floats(inputs * outputs, -bound, bound)
                let bias = rng.floats(outputs, 0, 0.1)
                layers.append(
                    Layer(
                        TinyArchitecture.classifierLayerNames[l],
                        .dense(
                            DenseLayerParameters(
                                kernel: kernel, bias: bias, inputs: inputs, outputs: outputs,
                                activation: l < 2 ? .relu : .softmax))))
            }
        }
        return try! Model(
            name: "VGG16", format: "tiny", sourceName: "tiny-\(seed)", input: TensorShape(a.inputSize, a.inputSize, 3),
            preprocessing: preprocessing, layers: layers)
    }

    static func randomInput(_ a: TinyArchitecture = architecture, seed: UInt64) -> FeatureMap {
        var rng = SeededRandom(seed: seed)
        let n = a.inputSize
        return FeatureMap(height: n, width: n, channels: 3, data: rng.floats(n * n * 3))
    }

    /// `model` with its layers edited (a new `Model`, its shapes inferred again).
    static func editing(_ model: Model, _ edit: (inout [Layer]) -> Void) throws -> Model {
        var layers = model.layers
        edit(&layers)
        return try Model(
            name: model.name, format: model.format, sourceName: model.sourceName, input: model.input,
            preprocessing: model.preprocessing, layers: layers)
    }

    /// Runs hidden layers `first`… to the end on `x` (the output of hidden layer `first − 1`), then fc1, fc2,
    /// predictions. Also returns the activation pattern: every ReLU's on/off and every max-pool's choice within its window.
    static func logits(from first: Int, input x: FeatureMap, model: Model) -> (logits: [Float], pattern: [Int32]) {
        let hidden = model.hiddenLayers
        var current = x
        var pattern: [Int32] = []
        var scratch = [Float](repeating: 0, count: Conv3x3.scratchCount(inChannels: 64))
        for info in hidden[first...] {
            var y = [Float](repeating: 0, count: info.count)
            switch model.layers[info.first].kind {
            case .conv2D(let c):
                precondition(c.kernelHeight == 3 && c.kernelWidth == 3 && c.activation == .relu)
                Conv3x3.forward(
                    x: current.data, height: current.height, width: current.width, inChannels: c.inChannels,
                    kernel: c.kernel, bias: c.bias!, outChannels: c.outChannels, y: &y, scratch: &scratch)
                pattern += y.map { $0 > 0 ? 1 : 0 }
            case .maxPool:
                MaxPool2x2.forward(
                    x: current.data, height: current.height, width: current.width, channels: current.channels, y: &y)
                pattern += poolChoices(current)
            default:
                preconditionFailure("not a tiny VGG layer: \(model.layers[info.first].name)")
            }
            current = FeatureMap(height: info.height, width: info.width, channels: info.channels, data: y)
        }
        var v = current.data
        for layer in model.layers {
            guard case .dense(let d) = layer.kind else { continue }
            var y = [Float](repeating: 0, count: d.outputs)
            let relu = d.activation == .relu
            Dense.forward(
                x: v, kernel: d.kernel, bias: d.bias!, inputs: d.inputs, outputs: d.outputs, relu: relu, y: &y)
            if relu { pattern += y.map { $0 > 0 ? 1 : 0 } }
            v = y
        }
        return (v, pattern)
    }

    /// For each 2×2 window and channel, which of the four inputs (row-major) is the first maximum.
    private static func poolChoices(_ x: FeatureMap) -> [Int32] {
        var out: [Int32] = []
        for oy in 0..<(x.height / 2) {
            for ox in 0..<(x.width / 2) {
                for c in 0..<x.channels {
                    let v = [(0, 0), (0, 1), (1, 0), (1, 1)].map {
                        x.data[((2 * oy + $0.0) * x.width + 2 * ox + $0.1) * x.channels + c]
                    }
                    out.append(Int32(v.firstIndex(of: v.max()!)!))
                }
            }
        }
        return out
    }

    static func score(
        _ s: CAMScore, classIndex: Int, from first: Int, input x: FeatureMap, model: Model
    ) -> (value: Double, pattern: [Int32]) {
        let (z, pattern) = logits(from: first, input: x, model: model)
        switch s {
        case .logit: return (Double(z[classIndex]), pattern)
        case .probability:
            // Softmax in Double so the finite difference is not limited by Float's rounding of p.
            let zd = z.map(Double.init)
            let m = zd.max()!
            let e = zd.map { exp($0 - m) }
            return (e[classIndex] / e.reduce(0, +), pattern)
        }
    }
}

extension Model {
    /// Every convolution, in order, with its layer's name.
    var convolutions: [(name: String, parameters: Conv2DParameters)] {
        layers.compactMap { l in if case .conv2D(let c) = l.kind { return (l.name, c) } else { return nil } }
    }

    /// Every dense layer, in order, with its layer's name.
    var denseLayers: [(name: String, parameters: DenseLayerParameters)] {
        layers.compactMap { l in if case .dense(let d) = l.kind { return (l.name, d) } else { return nil } }
    }

    /// The Flatten layer's order, or nil for a backbone.
    var flattenOrder: FlattenOrder? {
        layers.lazy.compactMap { l -> FlattenOrder? in if case .flatten(let o) = l.kind { return o } else { return nil }
        }.first
    }

    /// Index of the model layer named `name`.
    func layerIndex(_ name: String) -> Int { layers.firstIndex { $0.name == name }! }
}
