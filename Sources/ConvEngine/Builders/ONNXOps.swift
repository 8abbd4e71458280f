/// The ONNX operators ConvScope runs, each turned into a layer, folded into the last one, or (for data movement)
/// into a change of the running layout.
extension ONNXChainBuilder {
    static let supported = "Conv, Gemm, MatMul, pooling, BatchNormalization, Relu, LeakyRelu, Sigmoid, Tanh, Softmax, "
        + "Flatten, Reshape, Dropout, and Mul/Add/Sub/Div by constants"

    mutating func apply(_ node: Onnx_NodeProto, index: Int) throws {
        let name = layerName(node, index)
        switch node.opType {
        case "Identity", "Cast": try checkCast(node)
        case "Dropout": try append(Layer(name, .dropout), node: index)
        case "Transpose": try transpose(node)
        case "Conv": try append(Layer(name, try conv(node)), node: index)
        case "Relu": try activation(.relu, name, index)
        case "LeakyRelu": try activation(.leakyReLU(alpha: node.float("alpha", default: 0.01)), name, index)
        case "Sigmoid": try activation(.sigmoid, name, index)
        case "Tanh": try activation(.tanh, name, index)
        case "Softmax":
            let axis = node.int("axis", default: graph.opsetVersion >= 13 ? -1 : 1)
            guard layout == .vector, axis == -1 || axis == 1 else { throw unsupported(node,
                "only a softmax over a vector of classes is supported") }
            try append(Layer(name, .activation(.softmax)), node: index)
        case "MaxPool", "AveragePool": try pool(node, name, index)
        case "GlobalAveragePool", "GlobalMaxPool":
            guard layout == .nchw else { throw unsupported(node, "global pooling needs an NCHW image") }
            try append(Layer(name, node.opType == "GlobalMaxPool" ? .globalMaxPool : .globalAveragePool), node: index)
            layout = .vector
        case "BatchNormalization": try append(Layer(name, try batchNorm(node)), node: index)
        case "Flatten":
            guard node.int("axis", default: 1) == 1 else { throw unsupported(node,
                "only Flatten with axis 1 is supported") }
            try flatten(name, index)
        case "Reshape": try reshape(node, name, index)
        case "Squeeze", "Unsqueeze": try squeeze(node)
        case "Gemm": try append(Layer(name, try gemm(node)), node: index)
        case "MatMul": try append(Layer(name, try matMul(node)), node: index)
        case "Add", "Sub", "Mul", "Div": try affine(node, name, index)
        case "Pad": try append(Layer(name, .zeroPadding(try pad(node))), node: index)
        default:
            throw unsupported(node, "ONNX op \(node.opType) is not one ConvScope runs (\(ONNXChainBuilder.supported))")
        }
    }

    /// A float constant input, or a refusal naming what should have been constant.
    func constantFloats(_ node: Onnx_NodeProto, _ input: Int, _ what: String) throws -> (values: [Float],
        dims: [Int]) {
        guard input < node.input.count, let t = graph.constant(node.input[input]) else {
            throw unsupported(node, "its \(what) must be a constant in the file")
        }
        let dims = try ONNXTensor.dims(t, file: file)
        return (try ONNXTensor.floats(t, file: file), dims)
    }

    private func checkCast(_ node: Onnx_NodeProto) throws {
        if node.opType == "Cast", node.int("to", default: 1) != 1 { throw unsupported(node,
            "only casts to float32 are supported") }
    }

    private mutating func activation(_ a: Activation, _ name: String, _ index: Int) throws {
        switch foldable?.kind {
        case .conv2D(var c)? where c.activation == .linear && a != .softmax:
            c.activation = a; replaceLast(.conv2D(c), node: index)
        case .dense(var d)? where d.activation == .linear:
            d.activation = a; replaceLast(.dense(d), node: index)
        default:
            try append(Layer(name, .activation(a)), node: index)
        }
    }

    private mutating func transpose(_ node: Onnx_NodeProto) throws {
        let perm = node.ints("perm") ?? []
        switch (layout, perm) {
        case (.nhwc, [0, 3, 1, 2]): layout = .nchw
        case (.nchw, [0, 2, 3, 1]): layout = .nhwc
        case (_, let p) where p == Array(p.indices): break
        case (.vector, [1, 0]), (.vector, [0, 1]): break
        default: throw unsupported(node,
            "a transpose \(perm) of \(layout) data is not a layout change ConvScope knows")
        }
    }

    /// Flatten of a map: Keras order (H·W·C) from NHWC data, PyTorch order (C·H·W) from NCHW data.
    private mutating func flatten(_ name: String, _ index: Int) throws {
        guard layout != .vector else { return }
        try append(Layer(name, .flatten(layout == .nhwc ? .hwc : .chw)), node: index)
        layout = .vector
    }

    /// Reshape to (batch, features) is a flatten; the target comes from a constant or from Shape arithmetic.
    private mutating func reshape(_ node: Onnx_NodeProto, _ name: String, _ index: Int) throws {
        guard node.input.count >= 2 else { throw unsupported(node, "a Reshape without a target shape") }
        if let t = graph.constant(node.input[1]) {
            let target = try ONNXTensor.ints(t, file: file)
            let count = shape.count
            let flat = target.count == 2 && [1, 0, -1].contains(target[0]) && (target[1] == count || target[1] == -1)
                && !(target[0] == -1 && target[1] == -1)
            guard flat else {
                throw unsupported(node, "only a reshape to (batch, \(count)) features is supported, not to \(target)")
            }
        }
        try flatten(name, index)
    }

    private mutating func squeeze(_ node: Onnx_NodeProto) throws {
        let axes = try node.input.count > 1 ? graph.constant(node.input[1]).map { try ONNXTensor.ints($0,
            file: file) } : node.ints("axes")
        if layout == .vector { return }
        let spatial: Set<Int> = layout == .nchw ? [2, 3, -2, -1] : [1, 2, -3, -2]
        guard node.opType == "Squeeze", shape.isVector, let axes, !axes.isEmpty, Set(axes).isSubset(of: spatial) else {
            throw unsupported(node, "only squeezing the 1×1 spatial axes after global pooling is supported")
        }
        layout = .vector
    }
}
