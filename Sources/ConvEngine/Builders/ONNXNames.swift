/// Layer names from ONNX node names. Exporters name nodes after the framework's scopes: tf2onnx
/// "vggish_1/block1_conv1_1/convolution" or "StatefulPartitionedCall/sequential/block1_conv1/Conv2D", PyTorch
/// "/features/features.0/Conv". The layer is the innermost scope above the op (and above TensorFlow's own
/// sub-scopes such as "batchnorm"). Keras 3 on TensorFlow adds a "_1" (or "_2", …) to every scope, the model's
/// included; when every scope carries one, one is taken off each, so "conv2d_1_2" is Keras's "conv2d_1" again.
struct ONNXNames {
    /// TensorFlow sub-scopes inside one Keras layer.
    static let innerScopes: Set<String> = ["batchnorm", "convolution", "Conv2D", "BiasAdd", "MatMul", "Tensordot",
                                           "moments", "ReadVariableOp", "Cast", "Reshape"]
    private let stripSuffix: Bool
    /// The outermost scope (the Keras model's name), suffix removed, when the exporter wrote one.
    let modelScope: String?

    init(_ nodes: [Onnx_NodeProto]) {
        let scoped = nodes.map { ONNXNames.components($0.name) }.filter { $0.count >= 2 }
        let tops = Set(scoped.map { $0[0] })
        let scopes = scoped.compactMap { ONNXNames.scope($0) }
        let keras3 = !scopes.isEmpty && tops.count == 1
            && (scopes + tops).allSatisfy { ONNXNames.numberSuffix($0) != nil }
        stripSuffix = keras3
        if keras3, let top = tops.first { modelScope = ONNXNames.dropSuffix(top) } else { modelScope = nil }
    }

    /// "block1_conv1" for "model_1/block1_conv1_1/convolution"; the node name itself when it has no scope; the op
    /// and position when it has no name.
    func layerName(_ node: Onnx_NodeProto, index: Int) -> String {
        let parts = ONNXNames.components(node.name)
        if parts.isEmpty { return "\(node.opType)_\(index)" }
        guard parts.count >= 2,
            let scope = ONNXNames.scope(parts) else { return parts.count == 1 ? parts[0] : node.name }
        return stripSuffix ? ONNXNames.dropSuffix(scope) : scope
    }

    private static func components(_ name: String) -> [String] { name.split(separator: "/").map(String.init) }

    /// The innermost scope above the op and TensorFlow's sub-scopes.
    private static func scope(_ parts: [String]) -> String? {
        var scopes = parts.dropLast()
        while let last = scopes.last, innerScopes.contains(last) { scopes.removeLast() }
        return scopes.last
    }

    /// The digits after a final underscore, if any.
    private static func numberSuffix(_ s: String) -> Substring? {
        guard let underscore = s.lastIndex(of: "_") else { return nil }
        let digits = s[s.index(after: underscore)...]
        return !digits.isEmpty && digits.allSatisfy(\.isASCII) && digits.allSatisfy(\.isNumber) ? digits : nil
    }

    private static func dropSuffix(_ s: String) -> String {
        guard let digits = numberSuffix(s) else { return s }
        return String(s.dropLast(digits.count + 1))
    }
}
