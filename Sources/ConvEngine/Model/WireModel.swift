import Foundation

/// `ModelWire`'s JSON header: the model's description with each tensor replaced by where it lies in the payload.
struct WireModel: Codable {
    var name: String, format: String, sourceName: String
    var input: [Int]
    var preprocessing: String
    var output: String
    var classNames: [String]?
    var layers: [WireLayer]

    init(_ m: Model, payload: inout WirePayload) {
        name = m.name
        format = m.format
        sourceName = m.sourceName
        input = [m.input.height, m.input.width, m.input.channels]
        preprocessing = m.preprocessing.rawValue
        classNames = m.classNames
        switch m.output {
        case .features: output = "features"
        case .softmax: output = "softmax"
        case .sigmoid: output = "sigmoid"
        }
        layers = m.layers.map { WireLayer($0, payload: &payload) }
    }

    func model(_ reader: WireReader) throws -> Model {
        func damaged(_ why: String) -> WeightsError {
            .malformed(file: reader.file, detail: "the loader's answer \(why)")
        }
        guard input.count == 3, let preprocessing = Preprocessing(rawValue: preprocessing) else {
            throw damaged("has no input")
        }
        var layers = try self.layers.map { try $0.layer(reader) }
        // The head's softmax or sigmoid goes back as a last layer, which `Model.init` splits off as it did the first time.
        switch output {
        case "features": break
        case "softmax": layers.append(Layer("output_softmax", .activation(.softmax)))
        case "sigmoid": layers.append(Layer("output_sigmoid", .activation(.sigmoid)))
        default: throw damaged("has an unknown output \(output)")
        }
        return try Model(
            name: name, format: format, sourceName: sourceName,
            input: TensorShape(input[0], input[1], input[2]), preprocessing: preprocessing,
            layers: layers, classNames: classNames)
    }
}

/// One layer: its kind by name, its numbers, and its tensors.
struct WireLayer: Codable {
    var name: String
    var kind: String
    /// Kind-specific integers: conv (kh, kw, in, out, sh, sw), dense (in, out), pool (h, w, sh, sw).
    var ints: [Int] = []
    var padding: [Int]?
    var activation: String?
    var alpha: Float?
    var tensors: [WireTensor] = []
    var bias: WireTensor?
    var detail: String?

    init(_ layer: Layer, payload: inout WirePayload) {
        name = layer.name
        switch layer.kind {
        case .conv2D(let c):
            kind = "conv2D"
            ints = [c.kernelHeight, c.kernelWidth, c.inChannels, c.outChannels, c.strides.0, c.strides.1]
            padding = Self.encode(c.padding)
            (activation, alpha) = Self.encode(c.activation)
            tensors = [payload.add(c.kernel)]
            bias = payload.add(c.bias)
        case .dense(let d):
            kind = "dense"
            ints = [d.inputs, d.outputs]
            (activation, alpha) = Self.encode(d.activation)
            tensors = [payload.add(d.kernel)]
            bias = payload.add(d.bias)
        case .channelAffine(let a):
            kind = "channelAffine"
            detail = a.origin.rawValue
            tensors = [payload.add(a.scale), payload.add(a.shift)]
        case .activation(let a):
            kind = "activation"
            (activation, alpha) = Self.encode(a)
        case .maxPool(let p), .averagePool(let p):
            if case .maxPool = layer.kind { kind = "maxPool" } else { kind = "averagePool" }
            ints = [p.size.0, p.size.1, p.strides.0, p.strides.1]
            padding = Self.encode(p.padding)
        case .globalAveragePool: kind = "globalAveragePool"
        case .globalMaxPool: kind = "globalMaxPool"
        case .zeroPadding(let p):
            kind = "zeroPadding"
            padding = Self.encode(p)
        case .flatten(let order):
            kind = "flatten"
            detail = order.rawValue
        case .dropout: kind = "dropout"
        }
    }

    func layer(_ reader: WireReader) throws -> Layer {
        func damaged() -> WeightsError {
            .malformed(file: reader.file, detail: "the loader's answer has a damaged layer \(name)")
        }
        func need(_ n: Int) throws { guard ints.count == n else { throw damaged() } }
        let kind: LayerKind
        switch self.kind {
        case "conv2D":
            try need(6)
            guard let t = tensors.first else { throw damaged() }
            kind = .conv2D(
                Conv2DParameters(
                    storage: try reader.kernel(t), bias: try reader.floats(bias),
                    kernelHeight: ints[0], kernelWidth: ints[1], inChannels: ints[2], outChannels: ints[3],
                    strides: (ints[4], ints[5]), padding: try decodePadding(), activation: try decodeActivation()))
        case "dense":
            try need(2)
            guard let t = tensors.first else { throw damaged() }
            kind = .dense(
                DenseLayerParameters(
                    storage: try reader.kernel(t), bias: try reader.floats(bias),
                    inputs: ints[0], outputs: ints[1], activation: try decodeActivation()))
        case "channelAffine":
            guard tensors.count == 2, let origin = ChannelAffine.Origin(rawValue: detail ?? "") else { throw damaged() }
            kind = .channelAffine(
                ChannelAffine(
                    scale: try reader.floats(tensors[0]), shift: try reader.floats(tensors[1]),
                    origin: origin))
        case "activation": kind = .activation(try decodeActivation())
        case "maxPool", "averagePool":
            try need(4)
            let p = PoolParameters(size: (ints[0], ints[1]), strides: (ints[2], ints[3]), padding: try decodePadding())
            kind = self.kind == "maxPool" ? .maxPool(p) : .averagePool(p)
        case "globalAveragePool": kind = .globalAveragePool
        case "globalMaxPool": kind = .globalMaxPool
        case "zeroPadding": kind = .zeroPadding(try decodePadding())
        case "flatten":
            guard let order = FlattenOrder(rawValue: detail ?? "") else { throw damaged() }
            kind = .flatten(order)
        case "dropout": kind = .dropout
        default: throw damaged()
        }
        return Layer(name, kind)
    }

    /// [] valid, [-1] same, [top, left, bottom, right] explicit.
    static func encode(_ p: Padding) -> [Int] {
        switch p {
        case .valid: return []
        case .same: return [-1]
        case .explicit(let t, let l, let b, let r): return [t, l, b, r]
        }
    }

    func decodePadding() throws -> Padding {
        switch padding ?? [] {
        case []: return .valid
        case [-1]: return .same
        case let p where p.count == 4 && p.allSatisfy({ $0 >= 0 }):
            return .explicit(top: p[0], left: p[1], bottom: p[2], right: p[3])
        default: throw WeightsError.malformed(file: name, detail: "a damaged padding in the loader's answer")
        }
    }

    static func encode(_ a: Activation) -> (String, Float?) {
        if case .leakyReLU(let alpha) = a { return ("leaky_relu", alpha) }
        return (a.description, nil)
    }

    func decodeActivation() throws -> Activation {
        switch activation ?? "linear" {
        case "linear": return .linear
        case "relu": return .relu
        case "leaky_relu": return .leakyReLU(alpha: alpha ?? 0.3)
        case "sigmoid": return .sigmoid
        case "tanh": return .tanh
        case "softmax": return .softmax
        default: throw WeightsError.malformed(file: name, detail: "an unknown activation in the loader's answer")
        }
    }
}
