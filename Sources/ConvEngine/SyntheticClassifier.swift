/// A deterministic stand-in classifier (fc1, fc2, predictions) from an integer hash, bit-identical to the one
/// `Tests/Golden/make_golden.py` gives Keras. For tests and benchmarks on backbone-only weights: its "classes"
/// mean nothing and are never shown to a user as a prediction.
public enum SyntheticClassifier {
    public struct Scales: Sendable {
        public var fc1: Int, fc2: Int, predictions: Int, bias: Int
        public init(fc1: Int, fc2: Int, predictions: Int, bias: Int) {
            self.fc1 = fc1
            self.fc2 = fc2
            self.predictions = predictions
            self.bias = bias
        }
    }

    /// value(L, i, j) = (2k − 255)/256 · 2^scale with k the low byte of a 32-bit hash of (i, j, L).
    @inline(__always)
    public static func value(layer: UInt32, input i: UInt32, output j: UInt32, scaleLog2: Int) -> Float {
        var h = i &* 2_654_435_761 &+ j &* 40503 &+ layer &* 2_246_822_519
        h ^= h >> 15
        h = h &* 2_246_822_519
        h ^= h >> 13
        h = h &* 3_266_489_917
        h ^= h >> 16
        let k = Float(h & 255)
        return (2 * k - 255) / 256 * Float(sign: .plus, exponent: scaleLog2, significand: 1)
    }

    /// `backbone` (ending in its last pool) with fc1, fc2 (`width` units, ReLU) and predictions (`classes` logits)
    /// made from the hash, in Keras's H·W·C flatten order.
    public static func attach(
        to backbone: Model, width: Int = 4096, classes: Int = 1000, scales: Scales
    ) throws -> Model {
        let flat = backbone.layers.last!.output.count
        let dims = [
            ("fc1", flat, width, scales.fc1), ("fc2", width, width, scales.fc2),
            ("predictions", width, classes, scales.predictions),
        ]
        var layers = backbone.layers + [Layer("flatten", .flatten(.hwc))]
        for (l, d) in dims.enumerated() {
            let (name, inputs, outputs, s) = d
            let layer = UInt32(l + 1)
            var kernel = [Float](repeating: 0, count: inputs * outputs)
            kernel.withUnsafeMutableBufferPointer { k in
                for i in 0..<inputs {
                    for j in 0..<outputs {
                        k[i * outputs + j] = value(layer: layer, input: UInt32(i), output: UInt32(j), scaleLog2: s)
                    }
                }
            }
            let bias = (0..<outputs).map {
                value(layer: layer, input: 65535, output: UInt32($0), scaleLog2: scales.bias)
            }
            layers.append(
                Layer(
                    name,
                    .dense(
                        DenseLayerParameters(
                            kernel: kernel, bias: bias, inputs: inputs, outputs: outputs,
                            activation: l == 2 ? .linear : .relu))))
        }
        var model = try Model(
            name: backbone.name, format: backbone.format, sourceName: backbone.sourceName, input: backbone.input,
            preprocessing: backbone.preprocessing, layers: layers)
        model.winograd = backbone.winograd
        return model
    }
}
