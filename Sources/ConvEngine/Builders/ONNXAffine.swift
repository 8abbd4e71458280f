/// Add, Sub, Mul and Div by a constant per-channel (or single) value: a bias for the Conv, Gemm or MatMul just
/// before, or an affine layer y = x·scale + shift. tf2onnx writes a folded BatchNormalization as Mul then Add and
/// Keras's Rescaling and Normalization as Mul/Add or Sub/Mul; consecutive ones compose into one `.mulAdd` layer.
extension ONNXChainBuilder {
    mutating func affine(_ node: Onnx_NodeProto, _ name: String, _ index: Int) throws {
        let constFirst = node.input.count == 2 && graph.isStatic(node.input[0])
        let constIndex = constFirst ? 0 : 1
        let c = try constantFloats(node, constIndex, "second operand")
        let values = try perChannel(c.values, dims: c.dims, node: node)
        let op = node.opType
        var scale: [Float] = [1], shift: [Float] = [0]
        switch (op, constFirst) {
        case ("Add", _): shift = values
        case ("Mul", _): scale = values
        case ("Sub", false): shift = values.map { -$0 }
        case ("Sub", true): scale = [-1]; shift = values
        case ("Div", false):
            guard values.allSatisfy({ $0 != 0 }) else { throw unsupported(node, "division by zero") }
            scale = values.map { 1 / $0 }
        default: throw unsupported(node, "only division by a constant is supported")
        }
        if op == "Add" || op == "Sub" && !constFirst, let bias = try foldBias(shift, index) { replaceLast(bias,
            node: index); return }
        if case .channelAffine(let last)? = foldable?.kind, last.origin == .mulAdd {
            replaceLast(.channelAffine(ONNXChainBuilder.compose(last, scale: scale, shift: shift)), node: index)
            return
        }
        let identity = ChannelAffine(scale: [1], shift: [0], origin: .mulAdd)
        try append(Layer(name, .channelAffine(ONNXChainBuilder.compose(identity, scale: scale, shift: shift))),
            node: index)
    }

    /// The previous Conv or Dense with `shift` added to its bias, when it has no activation yet.
    private func foldBias(_ shift: [Float], _ index: Int) throws -> LayerKind? {
        func add(_ bias: [Float]?, _ n: Int) -> [Float] {
            let b = bias ?? Array(repeating: 0, count: n)
            return (0..<n).map { b[$0] + shift[shift.count == 1 ? 0 : $0] }
        }
        switch foldable?.kind {
        case .conv2D(var p)? where p.activation == .linear && (shift.count == 1 || shift.count == p.outChannels):
            p.bias = add(p.bias, p.outChannels); return .conv2D(p)
        case .dense(var d)? where d.activation == .linear && (shift.count == 1 || shift.count == d.outputs):
            d.bias = add(d.bias, d.outputs); return .dense(d)
        default: return nil
        }
    }

    /// (x·s₁ + t₁)·s₂ + t₂ as one affine.
    static func compose(_ a: ChannelAffine, scale: [Float], shift: [Float]) -> ChannelAffine {
        let n = max(a.scale.count, scale.count, shift.count)
        func at(_ v: [Float], _ i: Int) -> Float { v[v.count == 1 ? 0 : i] }
        let s = (0..<n).map { at(a.scale, $0) * at(scale, $0) }
        let t = (0..<n).map { at(a.shift, $0) * at(scale, $0) + at(shift, $0) }
        return ChannelAffine(scale: s, shift: t, origin: .mulAdd)
    }

    /// The constant as one value per channel (or a single value): its dims may only run along the channel axis of
    /// the running layout, e.g. (1, C, 1, 1) for NCHW, (C) or (1, 1, 1, C) for NHWC and vectors.
    private func perChannel(_ values: [Float], dims: [Int], node: Onnx_NodeProto) throws -> [Float] {
        if values.count == 1 { return values }
        let c = shape.channels
        let rank = layout == .vector ? 2 : 4
        let channelAxis = layout == .nchw ? 1 : rank - 1
        let padded = Array(repeating: 1, count: max(rank - dims.count, 0)) + dims
        let fits = padded.count == rank && values.count == c
            && padded.enumerated().allSatisfy { $0.offset == channelAxis ? $0.element == c : $0.element == 1 }
        guard fits else {
            throw unsupported(node,
                "its constant has shape \(dims), not one value per channel of the \(shape) \(layout) tensor")
        }
        return values
    }
}
