import Foundation

/// Turns one Keras layer (its config and, for Conv2D, Dense, BatchNormalization and Normalization, its variables)
/// into a ConvScope `Layer`. Every variable's shape is checked against the config and the shape reaching the layer
/// before its data is read.
struct KerasLayerMapper {
    let file: String
    let weights: KerasWeightSource

    /// Keras's random augmentation layers, identity at inference: left out of the model.
    static let inferenceIdentity: Set<String> = [
        "RandomFlip", "RandomRotation", "RandomZoom", "RandomTranslation", "RandomContrast", "RandomBrightness",
    ]
    /// Layers that only act in training: kept as Dropout, which is identity at inference.
    static let dropouts: Set<String> = [
        "Dropout", "SpatialDropout2D", "GaussianNoise", "GaussianDropout", "AlphaDropout", "ActivityRegularization",
    ]

    /// The layer, or nil for a layer that does nothing at inference.
    func layer(_ link: KerasConfigChain.Link, input: TensorShape) throws -> Layer? {
        let v = KerasConfigValues(entry: link.entry, file: file)
        let cls = link.entry.className
        if KerasLayerMapper.inferenceIdentity.contains(cls) { return nil }
        if KerasLayerMapper.dropouts.contains(cls) { return Layer(link.entry.name, .dropout) }
        let kind: LayerKind
        switch cls {
        case "Conv2D": kind = try conv(link, v, input: input)
        case "Dense": kind = try dense(link, v, input: input)
        case "BatchNormalization": kind = try batchNorm(link, v, input: input)
        case "Normalization": kind = try normalization(link, v, input: input)
        case "Rescaling": kind = try rescaling(v, input: input)
        case "Activation": kind = .activation(try v.activation())
        case "ReLU": kind = try relu(v)
        case "LeakyReLU":
            let slope = try v.config["negative_slope"] != nil ? v.double("negative_slope", default: 0.3)
                                                                : v.double("alpha", default: 0.3)
            kind = .activation(.leakyReLU(alpha: Float(slope)))
        case "Softmax":
            try v.requireLastAxis(last: input.isVector ? 1 : 3)
            kind = .activation(.softmax)
        case "MaxPooling2D", "AveragePooling2D":
            try v.requireChannelsLast()
            let size = try v.pair("pool_size", default: (2, 2))
            let p = PoolParameters(size: size, strides: try v.pair("strides", default: size), padding: try v.padding())
            kind = cls == "MaxPooling2D" ? .maxPool(p) : .averagePool(p)
        case "GlobalAveragePooling2D", "GlobalMaxPooling2D":
            try v.requireChannelsLast()
            kind = cls == "GlobalMaxPooling2D" ? .globalMaxPool : .globalAveragePool
        case "ZeroPadding2D":
            try v.requireChannelsLast()
            kind = .zeroPadding(try zeroPadding(v))
        case "Flatten":
            try v.requireChannelsLast()
            kind = .flatten(.hwc)
        default:
            throw KerasLayerMapper.refusal(v)
        }
        return Layer(link.entry.name, kind)
    }

    /// Why a layer class is refused, worded for what the person can do.
    static func refusal(_ v: KerasConfigValues) -> ModelError {
        let cls = v.entry.className
        switch cls {
        case "Lambda":
            return v.unsupported("Lambda layers are Python code; ConvScope runs models made of Keras's built-in "
                                 + "layers")
        case "Add", "Concatenate", "Multiply", "Subtract", "Average", "Maximum", "Minimum", "Dot":
            return .branching(file: v.file, node: v.entry.name, op: cls)
        case "DepthwiseConv2D", "SeparableConv2D", "Conv2DTranspose", "Conv1D", "Conv3D":
            return v.unsupported("\(cls) is not among the layers ConvScope runs; it runs Conv2D, Dense, pooling, "
                                     + "BatchNormalization, activations and Flatten")
        default:
            return v.unsupported("\(cls) layers are not among those ConvScope runs (Conv2D, Dense, pooling, "
                                     + "BatchNormalization, Rescaling, Normalization, activations, Flatten, Dropout)")
        }
    }

    /// The layer's variables, after checking there are as many as `expected` (extra trailing ones allowed when
    /// `extra`) and each has the expected shape.
    private func variables(_ link: KerasConfigChain.Link, _ expected: [[Int]],
        extra: Bool = false) throws -> [[Float]] {
        let shapes = try weights.shapes(of: link)
        let described = { (s: [[Int]]) in
            s.map { "(" + $0.map(String.init).joined(separator: ", ") + ")" }.joined(separator: ", ")
        }
        guard shapes.count == expected.count || (extra && shapes.count > expected.count),
              zip(shapes, expected).allSatisfy({ $0 == $1 }) else {
            throw ModelError.badShape(file: file, layer: link.entry.name,
                                      detail: "the file holds variables \(described(shapes)); its config and input "
                                              + "need "
                                          + described(expected))
        }
        return try expected.indices.map { try weights.read($0, of: link, shape: expected[$0]) }
    }

    private func conv(_ link: KerasConfigChain.Link, _ v: KerasConfigValues, input: TensorShape) throws -> LayerKind {
        try v.requireChannelsLast()
        guard try v.pair("dilation_rate", default: (1, 1)) == (1,
            1) else { throw v.unsupported("dilated convolutions are not supported") }
        guard try v.int("groups",
            default: 1) == 1 else { throw v.unsupported("grouped convolutions are not supported") }
        let filters = try v.int("filters"), (kh, kw) = try v.pair("kernel_size")
        let bias = try v.bool("use_bias", default: true)
        guard filters > 0, kh > 0, kw > 0 else { throw v.malformed("filters and kernel_size must be positive") }
        let vars = try variables(link, [[kh, kw, input.channels, filters]] + (bias ? [[filters]] : []))
        return .conv2D(Conv2DParameters(kernel: vars[0], bias: bias ? vars[1] : nil, kernelHeight: kh, kernelWidth: kw,
                                        inChannels: input.channels, outChannels: filters,
                                        strides: try v.pair("strides", default: (1, 1)), padding: try v.padding(),
                                        activation: try v.activation()))
    }

    private func dense(_ link: KerasConfigChain.Link, _ v: KerasConfigValues, input: TensorShape) throws -> LayerKind {
        guard input.isVector else {
            throw ModelError.badShape(file: file, layer: link.entry.name,
                                      detail: "Dense on a \(input) map (Keras applies it at every pixel); ConvScope "
                                              + "needs "
                                          + "Flatten or global pooling before Dense")
        }
        let units = try v.int("units"), bias = try v.bool("use_bias", default: true)
        guard units > 0 else { throw v.malformed("units must be positive") }
        let vars = try variables(link, [[input.channels, units]] + (bias ? [[units]] : []))
        return .dense(DenseLayerParameters(kernel: vars[0], bias: bias ? vars[1] : nil, inputs: input.channels,
                                           outputs: units, activation: try v.activation()))
    }

    private func batchNorm(_ link: KerasConfigChain.Link, _ v: KerasConfigValues,
        input: TensorShape) throws -> LayerKind {
        try v.requireLastAxis(last: input.isVector ? 1 : 3)
        let scale = try v.bool("scale", default: true), center = try v.bool("center", default: true)
        let c = input.channels
        let vars = try variables(link, Array(repeating: [c], count: 2 + (scale ? 1 : 0) + (center ? 1 : 0)))
        var i = 0
        func next() -> [Float] { defer { i += 1 }; return vars[i] }
        let gamma = scale ? next() : nil, beta = center ? next() : nil
        let mean = next(), variance = next()
        guard variance.allSatisfy({ $0 >= 0 }) else { throw v.malformed("moving_variance has negative values") }
        return .channelAffine(.batchNormalization(gamma: gamma, beta: beta, mean: mean, variance: variance,
                                                  epsilon: try v.double("epsilon", default: 1e-3)))
    }

    /// Keras's Normalization: y = (x − mean) / max(√variance, 1e-7), mean and variance from the config or adapted.
    private func normalization(_ link: KerasConfigChain.Link, _ v: KerasConfigValues,
        input: TensorShape) throws -> LayerKind {
        try v.requireLastAxis(last: input.isVector ? 1 : 3)
        guard try !v.bool("invert",
            default: false) else { throw v.unsupported("invert: true (de-normalisation) is not supported") }
        let c = input.channels
        var mean: [Double], variance: [Double]
        if let m = try v.numbers("mean"), let s = try v.numbers("variance") {
            mean = m; variance = s
        } else {
            let vars = try variables(link, [[c], [c]], extra: true)
            mean = vars[0].map(Double.init); variance = vars[1].map(Double.init)
        }
        if mean.count == 1 { mean = Array(repeating: mean[0], count: c) }
        if variance.count == 1 { variance = Array(repeating: variance[0], count: c) }
        guard mean.count == c, variance.count == c else {
            throw ModelError.badShape(file: file, layer: link.entry.name,
                                      detail: "\(mean.count) means and \(variance.count) variances for \(c) channels")
        }
        guard variance.allSatisfy({ $0 >= 0 }) else { throw v.malformed("variance has negative values") }
        let scale = variance.map { 1 / max(Double(Float($0).squareRoot()), 1e-7) }
        return .channelAffine(ChannelAffine(scale: scale.map { Float($0) }, shift: zip(mean,
            scale).map { Float(-$0 * $1) },
                                            origin: .normalization))
    }

    /// Keras's Rescaling: y = x · scale + offset, each a number or one value per channel.
    private func rescaling(_ v: KerasConfigValues, input: TensorShape) throws -> LayerKind {
        var scale = try v.numbers("scale") ?? [1], offset = try v.numbers("offset") ?? [0]
        if scale.count != offset.count {
            if scale.count == 1 { scale = Array(repeating: scale[0], count: offset.count) }
            if offset.count == 1 { offset = Array(repeating: offset[0], count: scale.count) }
        }
        guard scale.count == offset.count, scale.count == 1 || scale.count == input.channels else {
            throw v.unsupported("\(scale.count) scales and \(offset.count) offsets for \(input.channels) channels")
        }
        return .channelAffine(ChannelAffine(scale: scale.map { Float($0) }, shift: offset.map { Float($0) },
            origin: .rescaling))
    }

    private func relu(_ v: KerasConfigValues) throws -> LayerKind {
        if let m = v.config["max_value"],
            !m.isNull { throw v.unsupported("a capped ReLU (max_value) is not supported") }
        guard try v.double("threshold",
            default: 0) == 0 else { throw v.unsupported("a ReLU threshold is not supported") }
        let slope = try v.double("negative_slope", default: 0)
        return .activation(slope == 0 ? .relu : .leakyReLU(alpha: Float(slope)))
    }

    /// ZeroPadding2D's padding: n, (h, w) or ((top, bottom), (left, right)).
    private func zeroPadding(_ v: KerasConfigValues) throws -> Padding {
        let value = v.config["padding"] ?? .number(1)
        if let n = value.int { return .explicit(top: n, left: n, bottom: n, right: n) }
        guard let a = value.array, a.count == 2 else { throw v.malformed("padding is not understood") }
        if let h = a[0].int, let w = a[1].int { return .explicit(top: h, left: w, bottom: h, right: w) }
        guard let hs = a[0].array?.compactMap(\.int), let ws = a[1].array?.compactMap(\.int), hs.count == 2,
            ws.count == 2 else {
            throw v.malformed("padding is not understood")
        }
        return .explicit(top: hs[0], left: ws[0], bottom: hs[1], right: ws[1])
    }
}
