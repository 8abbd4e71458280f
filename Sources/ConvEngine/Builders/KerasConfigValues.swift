/// Reads the settings of one Keras layer config, refusing values ConvScope cannot run with a reason naming the layer.
struct KerasConfigValues {
    let entry: KerasConfigEntry
    let file: String

    var config: JSONValue { entry.config }

    /// `ModelError.unsupported` for this layer: "file: layer 'name' (Class): reason".
    func unsupported(_ reason: String) -> ModelError {
        .unsupported(file: file, layer: "layer '\(entry.name)' (\(entry.className))", reason: reason)
    }

    func malformed(_ detail: String) -> ModelError {
        .malformed(file: file, detail: "layer '\(entry.name)' (\(entry.className)): \(detail)")
    }

    /// An integer setting, or `default` when absent or null.
    func int(_ key: String, default value: Int? = nil) throws -> Int {
        guard let v = config[key], !v.isNull else {
            if let value { return value }
            throw malformed("\(key) is missing")
        }
        guard let i = v.int else { throw malformed("\(key) is not an integer") }
        return i
    }

    func double(_ key: String, default value: Double) throws -> Double {
        guard let v = config[key], !v.isNull else { return value }
        guard let d = v.number else { throw malformed("\(key) is not a number") }
        return d
    }

    func bool(_ key: String, default value: Bool) throws -> Bool {
        guard let v = config[key], !v.isNull else { return value }
        guard let b = v.bool else { throw malformed("\(key) is not true or false") }
        return b
    }

    /// A (height, width) setting written as one integer or a pair; `default` when absent or null.
    func pair(_ key: String, default value: (Int, Int)? = nil) throws -> (Int, Int) {
        guard let v = config[key], !v.isNull else {
            if let value { return value }
            throw malformed("\(key) is missing")
        }
        if let i = v.int { return (i, i) }
        guard let a = v.array, a.count == 2, let h = a[0].int, let w = a[1].int else {
            throw malformed("\(key) is not an integer or a pair of integers")
        }
        return (h, w)
    }

    /// 'same' or 'valid' padding.
    func padding() throws -> Padding {
        switch config["padding"]?.string?.lowercased() ?? "valid" {
        case "same": return .same
        case "valid": return .valid
        case let other: throw unsupported("padding '\(other)' is not 'same' or 'valid'")
        }
    }

    /// Refuses channels-first layers: ConvScope's maps are height × width × channels.
    func requireChannelsLast() throws {
        if let format = config["data_format"]?.string, format != "channels_last" {
            throw unsupported("data_format '\(format)'; ConvScope runs channels_last Keras models")
        }
    }

    /// Refuses an axis other than the last (-1, or `last` counted from 0, alone or in a one-element list).
    func requireLastAxis(_ key: String = "axis", last: Int) throws {
        var v = config[key] ?? .number(-1)
        if let a = v.array, a.count == 1 { v = a[0] }
        guard let axis = v.int, axis == -1 || axis == last else {
            throw unsupported("\(key) must be the channel axis (-1)")
        }
    }

    /// The layer's `activation` setting.
    func activation(_ key: String = "activation") throws -> Activation {
        guard let v = config[key], !v.isNull else { return .linear }
        guard let name = v.string else { throw unsupported("its activation is a custom function") }
        return try KerasConfigValues.activation(named: name, layer: self)
    }

    /// Keras's built-in activations ConvScope runs; `leaky_relu` has Keras 3's default slope, 0.2.
    static func activation(named name: String, layer: KerasConfigValues) throws -> Activation {
        switch name {
        case "linear": return .linear
        case "relu": return .relu
        case "leaky_relu": return .leakyReLU(alpha: 0.2)
        case "sigmoid": return .sigmoid
        case "tanh": return .tanh
        case "softmax": return .softmax
        default:
            throw layer.unsupported("activation '\(name)' is not one ConvScope runs (relu, leaky_relu, sigmoid, tanh, "
                                        + "softmax, linear)")
        }
    }

    /// A number or a list of numbers (Rescaling's scale and offset, Normalization's mean and variance); nil if null.
    func numbers(_ key: String) throws -> [Double]? {
        guard let v = config[key], !v.isNull else { return nil }
        if let d = v.number { return [d] }
        var flat: [Double] = []
        func collect(_ v: JSONValue, depth: Int) throws {
            if let d = v.number { flat.append(d); return }
            guard depth < 5, let a = v.array else { throw malformed("\(key) is not a number or a list of numbers") }
            for x in a { try collect(x, depth: depth + 1) }
        }
        try collect(v, depth: 0)
        return flat
    }
}
