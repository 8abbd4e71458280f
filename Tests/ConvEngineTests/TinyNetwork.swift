import Foundation
import ConvEngine

/// The tiny VGG16 the gradient and loader tests run, with seeded random weights, and a test-side forward pass built
/// only from the public ops so a layer's output can be perturbed and the rest of the network re-run by hand.
enum TinyNetwork {
    /// Last pool 1×1×5: fc1 sees 5 inputs.
    static let architecture = Architecture(widths: [2, 3, 4, 4, 5], fcWidth: 6, classes: 7, inputSize: 32)
    /// Last pool 2×2×5: fc1's flatten order (H·W·C vs C·H·W) matters, so loader tests use this one.
    static let loaderArchitecture = Architecture(widths: [2, 3, 4, 4, 5], fcWidth: 6, classes: 7, inputSize: 64)

    /// He-uniform kernels and small positive biases, so ReLUs stay alive through 13 layers of 2–5 channels.
    static func randomWeights(_ a: Architecture = architecture, seed: UInt64, classifier: Bool = true,
                              format: WeightFormat = .kerasH5, preprocessing: Preprocessing = .caffeBGR) -> VGG16Weights {
        var rng = SeededRandom(seed: seed)
        let shapes = VGG16Weights.expectedShapes(a)
        let convs = a.convShapes.map { s -> ConvParameters in
            let bound = (6 / Float(9 * s.inChannels)).squareRoot()
            return ConvParameters(kernel: rng.floats(9 * s.inChannels * s.outChannels, -bound, bound),
                                  bias: rng.floats(s.outChannels, 0, 0.1))
        }
        let dense = shapes.dense.map { d -> DenseParameters in
            let bound = (6 / Float(d.kernel[0])).squareRoot()
            return DenseParameters(kernel: rng.floats(d.kernel[0] * d.kernel[1], -bound, bound), bias: rng.floats(d.bias[0], 0, 0.1))
        }
        return VGG16Weights(architecture: a, convs: convs, classifier: classifier ? dense : nil,
                            preprocessing: preprocessing, format: format, sourceName: "tiny-\(seed)")
    }

    static func randomInput(_ a: Architecture = architecture, seed: UInt64) -> FeatureMap {
        var rng = SeededRandom(seed: seed)
        let n = a.inputSize
        return FeatureMap(height: n, width: n, channels: 3, data: rng.floats(n * n * 3))
    }

    /// Runs hidden layers `first`… to the end on `x` (the output of layer `first − 1`), then fc1, fc2, predictions.
    /// Also returns the activation pattern: every ReLU's on/off and every max-pool's choice within its window.
    static func logits(from first: Int, input x: FeatureMap, weights: VGG16Weights) -> (logits: [Float], pattern: [Int32]) {
        let a = weights.architecture, layers = a.hiddenLayers
        var current = x
        var pattern: [Int32] = []
        var scratch = [Float](repeating: 0, count: Conv3x3.scratchCount(inChannels: a.widths.max()!))
        for i in first..<layers.count {
            let info = layers[i]
            var y = [Float](repeating: 0, count: info.count)
            switch info.kind {
            case .conv(let cin, let cout):
                let p = weights.convs[layers[0...i].filter(\.isConv).count - 1]
                Conv3x3.forward(x: current.data, height: current.height, width: current.width, inChannels: cin,
                                kernel: p.kernel, bias: p.bias, outChannels: cout, y: &y, scratch: &scratch)
                pattern += y.map { $0 > 0 ? 1 : 0 }
            case .pool:
                MaxPool2x2.forward(x: current.data, height: current.height, width: current.width, channels: current.channels, y: &y)
                pattern += poolChoices(current)
            }
            current = FeatureMap(height: info.height, width: info.width, channels: info.channels, data: y)
        }
        let d = weights.classifier!
        var v = current.data
        for (l, (inputs, outputs)) in [(a.flattenSize, a.fcWidth), (a.fcWidth, a.fcWidth), (a.fcWidth, a.classes)].enumerated() {
            var y = [Float](repeating: 0, count: outputs)
            Dense.forward(x: v, kernel: d[l].kernel, bias: d[l].bias, inputs: inputs, outputs: outputs, relu: l < 2, y: &y)
            if l < 2 { pattern += y.map { $0 > 0 ? 1 : 0 } }
            v = y
        }
        return (v, pattern)
    }

    /// For each 2×2 window and channel, which of the four inputs (row-major) is the first maximum.
    private static func poolChoices(_ x: FeatureMap) -> [Int32] {
        var out: [Int32] = []
        for oy in 0..<(x.height / 2) { for ox in 0..<(x.width / 2) { for c in 0..<x.channels {
            let v = [(0, 0), (0, 1), (1, 0), (1, 1)].map { x.data[((2 * oy + $0.0) * x.width + 2 * ox + $0.1) * x.channels + c] }
            out.append(Int32(v.firstIndex(of: v.max()!)!))
        } } }
        return out
    }

    static func score(_ s: CAMScore, classIndex: Int, from first: Int, input x: FeatureMap, weights: VGG16Weights) -> (value: Double, pattern: [Int32]) {
        let (z, pattern) = logits(from: first, input: x, weights: weights)
        switch s {
        case .logit: return (Double(z[classIndex]), pattern)
        case .probability:
            // Softmax in Double so the finite difference is not limited by Float's rounding of p.
            let zd = z.map(Double.init), m = zd.max()!
            let e = zd.map { exp($0 - m) }
            return (e[classIndex] / e.reduce(0, +), pattern)
        }
    }
}
