/// ONNX operators with parameters: each weight's dims are checked against the running shape before its values are
/// converted into ConvScope's layout (convolution kernels OIHW → HWIO, Gemm's (out, in) → (in, out)).
extension ONNXChainBuilder {
    func conv(_ node: Onnx_NodeProto) throws -> LayerKind {
        guard layout == .nchw else { throw unsupported(node, "a convolution needs NCHW data here") }
        guard node.int("group", default: 1) == 1 else { throw unsupported(node,
            "grouped or depthwise convolutions are not supported") }
        guard (node.ints("dilations") ?? []).allSatisfy({ $0 == 1 }) else { throw unsupported(node,
            "dilated convolutions are not supported") }
        guard node.input.count >= 2, let wt = graph.constant(node.input[1]) else { throw unsupported(node,
            "its weights must be a constant") }
        let dims = try ONNXTensor.dims(wt, file: file)
        guard dims.count == 4, dims[1] == shape.channels, dims[0] > 0, dims[2] > 0, dims[3] > 0 else {
            throw ModelError.badShape(file: file, layer: node.name,
                                      detail: "weights have shape \(dims); a 2-D convolution of \(shape.channels) "
                                              + "channels needs (out, \(shape.channels), kh, kw)")
        }
        let (o, i, kh, kw) = (dims[0], dims[1], dims[2], dims[3])
        if let ks = node.ints("kernel_shape"), ks != [kh, kw] { throw ModelError.badShape(file: file,
            layer: node.name, detail: "kernel_shape \(ks) but weights \(dims)") }
        var bias: [Float]?
        if node.input.count > 2, !node.input[2].isEmpty {
            let b = try constantFloats(node, 2, "bias")
            guard b.values.count == o else { throw ModelError.badShape(file: file, layer: node.name,
                detail: "bias has \(b.values.count) values for \(o) filters") }
            bias = b.values
        }
        let w = try ONNXTensor.floats(wt, file: file)
        var kernel = [Float](repeating: 0, count: w.count)
        for oc in 0..<o { for ic in 0..<i { for y in 0..<kh { for x in 0..<kw {
            kernel[((y * kw + x) * i + ic) * o + oc] = w[((oc * i + ic) * kh + y) * kw + x]
        }}}}
        return .conv2D(Conv2DParameters(kernel: kernel, bias: bias, kernelHeight: kh, kernelWidth: kw, inChannels: i,
            outChannels: o,
                                        strides: try pair(node, "strides"), padding: try padding(node, kernel: (kh,
                                            kw))))
    }

    /// (h, w) from a 2-element attribute, (1, 1) when absent.
    private func pair(_ node: Onnx_NodeProto, _ key: String) throws -> (Int, Int) {
        guard let v = node.ints(key) else { return (1, 1) }
        guard v.count == 2, v.allSatisfy({ $0 >= 1 }) else { throw unsupported(node,
            "\(key) \(v) is not two positive numbers") }
        return (v[0], v[1])
    }

    /// `pads` [top, left, bottom, right] or `auto_pad`.
    private func padding(_ node: Onnx_NodeProto, kernel: (Int, Int)) throws -> Padding {
        switch node.string("auto_pad") ?? "NOTSET" {
        case "NOTSET", "":
            let p = node.ints("pads") ?? [0, 0, 0, 0]
            guard p.count == 4, p.allSatisfy({ $0 >= 0 }) else { throw unsupported(node,
                "pads \(p) are not four non-negative numbers") }
            return .explicit(top: p[0], left: p[1], bottom: p[2], right: p[3])
        case "VALID": return .valid
        case "SAME_UPPER": return .same
        case "SAME_LOWER":
            let s = try pair(node, "strides")
            let r = Padding.same.resolved(inHeight: shape.height, inWidth: shape.width, kernel: kernel, strides: s)
            return .explicit(top: r.bottom, left: r.right, bottom: r.top, right: r.left)
        case let other: throw unsupported(node, "auto_pad \(other) is not supported")
        }
    }

    mutating func pool(_ node: Onnx_NodeProto, _ name: String, _ index: Int) throws {
        guard layout == .nchw else { throw unsupported(node, "pooling needs NCHW data here") }
        guard let k = node.ints("kernel_shape"), k.count == 2,
            k.allSatisfy({ $0 >= 1 }) else { throw unsupported(node, "it needs a 2-D kernel_shape") }
        guard (node.ints("dilations") ?? []).allSatisfy({ $0 == 1 }) else { throw unsupported(node,
            "dilated pooling is not supported") }
        guard node.output.count == 1 || node.output.dropFirst().allSatisfy(\.isEmpty) else { throw unsupported(node,
            "pooling indices are not supported") }
        let size = (k[0], k[1]), strides = try pair(node, "strides")
        var pad = try padding(node, kernel: size)
        if node.int("ceil_mode", default: 0) != 0 {
            let r = pad.resolved(inHeight: shape.height, inWidth: shape.width, kernel: size, strides: strides)
            let exact = (shape.height + r.top + r.bottom - size.0) % strides.0 == 0
                && (shape.width + r.left + r.right - size.1) % strides.1 == 0
            guard exact else { throw unsupported(node,
                "ceil_mode 1 changes the output size here; only floor rounding is supported") }
        }
        if node.opType == "MaxPool" {
            try append(Layer(name, .maxPool(PoolParameters(size: size, strides: strides, padding: pad))), node: index)
            return
        }
        // count_include_pad 1 averages the zeros too: pad with zeros first, then pool without padding.
        let r = pad.resolved(inHeight: shape.height, inWidth: shape.width, kernel: size, strides: strides)
        if node.int("count_include_pad", default: 0) != 0, r != (0, 0, 0, 0) {
            try append(Layer(name + "_pad", .zeroPadding(.explicit(top: r.top, left: r.left, bottom: r.bottom,
                right: r.right))), node: index)
            pad = .valid
        }
        try append(Layer(name, .averagePool(PoolParameters(size: size, strides: strides, padding: pad))), node: index)
    }

    func batchNorm(_ node: Onnx_NodeProto) throws -> LayerKind {
        guard node.int("training_mode", default: 0) == 0 else { throw unsupported(node,
            "training-mode BatchNormalization is not supported") }
        guard node.input.count == 5 else { throw unsupported(node, "it needs scale, bias, mean and variance inputs") }
        let c = shape.channels
        let parts = try (1...4).map { i -> [Float] in
            let v = try constantFloats(node, i, ["", "scale", "bias", "mean", "variance"][i])
            guard v.values.count == c else { throw ModelError.badShape(file: file, layer: node.name,
                detail: "\(v.values.count) values for \(c) channels") }
            return v.values
        }
        return .channelAffine(.batchNormalization(gamma: parts[0], beta: parts[1], mean: parts[2], variance: parts[3],
                                                  epsilon: Double(node.float("epsilon", default: 1e-5))))
    }

    /// Gemm: y = alpha·(x·B) + beta·C, B stored (out, in) when transB = 1.
    func gemm(_ node: Onnx_NodeProto) throws -> LayerKind {
        guard layout == .vector else { throw unsupported(node, "Gemm needs a flattened vector") }
        guard node.int("transA", default: 0) == 0 else { throw unsupported(node, "transA = 1 is not supported") }
        let transB = node.int("transB", default: 0) != 0
        let alpha = node.float("alpha", default: 1), beta = node.float("beta", default: 1)
        guard node.input.count >= 2, let bt = graph.constant(node.input[1]) else { throw unsupported(node,
            "its weights must be a constant") }
        let dims = try ONNXTensor.dims(bt, file: file), n = shape.channels
        guard dims.count == 2, dims[transB ? 1 : 0] == n, dims[transB ? 0 : 1] > 0 else {
            throw ModelError.badShape(file: file, layer: node.name,
                detail: "weights \(dims) do not take \(n) inputs (transB \(transB ? 1 : 0))")
        }
        let out = dims[transB ? 0 : 1]
        var bias: [Float]?
        if node.input.count > 2, !node.input[2].isEmpty {
            let c = try constantFloats(node, 2, "bias").values
            guard c.count == out || c.count == 1 else { throw ModelError.badShape(file: file, layer: node.name,
                detail: "bias has \(c.count) values for \(out) units") }
            bias = (c.count == 1 ? Array(repeating: c[0], count: out) : c).map { $0 * beta }
        }
        let w = try ONNXTensor.floats(bt, file: file)
        var kernel = [Float](repeating: 0, count: w.count)
        for i in 0..<n { for o in 0..<out { kernel[i * out + o] = alpha * (transB ? w[o * n + i] : w[i * out + o]) } }
        return .dense(DenseLayerParameters(kernel: kernel, bias: bias, inputs: n, outputs: out))
    }

    /// MatMul by a constant (in, out) matrix: a Dense layer; an Add right after it becomes its bias.
    func matMul(_ node: Onnx_NodeProto) throws -> LayerKind {
        guard layout == .vector else { throw unsupported(node, "MatMul needs a flattened vector") }
        guard node.input.count == 2, let bt = graph.constant(node.input[1]) else { throw unsupported(node,
            "only x·W with a constant W is supported") }
        let dims = try ONNXTensor.dims(bt, file: file)
        guard dims.count == 2, dims[0] == shape.channels, dims[1] > 0 else {
            throw ModelError.badShape(file: file, layer: node.name,
                detail: "weights \(dims) do not take \(shape.channels) inputs")
        }
        return .dense(DenseLayerParameters(kernel: try ONNXTensor.floats(bt, file: file), bias: nil, inputs: dims[0],
            outputs: dims[1]))
    }

    /// Pad with zeros on the spatial axes only.
    func pad(_ node: Onnx_NodeProto) throws -> Padding {
        guard (node.string("mode") ?? "constant") == "constant" else { throw unsupported(node,
            "only zero padding is supported") }
        guard layout != .vector else { throw unsupported(node, "padding needs an image") }
        let pads: [Int]
        if node.input.count > 1, !node.input[1].isEmpty {
            guard let t = graph.constant(node.input[1]) else { throw unsupported(node, "its pads must be a constant") }
            pads = try ONNXTensor.ints(t, file: file)
        } else {
            pads = node.ints("pads") ?? []
        }
        if node.input.count > 2, !node.input[2].isEmpty {
            guard try constantFloats(node, 2,
                "padding value").values.allSatisfy({ $0 == 0 }) else { throw unsupported(node,
                "only zero padding is supported") }
        } else if node.float("value", default: 0) != 0 {
            throw unsupported(node, "only zero padding is supported")
        }
        guard pads.count == 8, pads.allSatisfy({ $0 >= 0 }) else { throw unsupported(node,
            "pads \(pads) are not 8 non-negative numbers") }
        let (h, w, c) = layout == .nchw ? (2, 3, 1) : (1, 2, 3)
        guard pads[0] == 0, pads[4] == 0, pads[c] == 0, pads[c + 4] == 0 else { throw unsupported(node,
            "only spatial padding is supported") }
        return .explicit(top: pads[h], left: pads[w], bottom: pads[h + 4], right: pads[w + 4])
    }
}
