/// A Keras model config reduced to the chain of layers ConvScope runs: nested models flattened (their layers keep
/// their names), input layers dropped, every layer checked to have one input and feed one layer.
struct KerasConfigChain {
    /// One layer of the chain and where its weights live.
    struct Link {
        let entry: KerasConfigEntry
        /// Keras 3 `model.weights.h5` group of the layer, e.g. "layers/functional/layers/conv2d".
        let weightsPath: String
        /// The top-level nested model holding the layer (legacy `.h5` files keep its weights there), or nil.
        let outerModel: String?
    }

    /// The outermost model's name.
    let name: String
    /// (H, W, C) from the first InputLayer's batch shape.
    let input: TensorShape
    let links: [Link]
    /// Names of models nested in the outer one, outermost first.
    let nestedModels: [String]

    init(root: JSONValue, file: String) throws {
        guard case .string(let cls)? = root["class_name"], let config = root["config"] else {
            throw ModelError.malformed(file: file, detail: "the model config has no class_name or config")
        }
        guard ["Functional", "Sequential", "Model"].contains(cls) else {
            throw ModelError.unsupported(file: file, layer: "model '\(cls)'",
                                         reason: "only Sequential and functional Keras models can be read; a "
                                                 + "subclassed model is Python code")
        }
        if let module = root["module"]?.string, module != "keras", !module.hasPrefix("keras.") {
            throw ModelError.unsupported(file: file, layer: "model '\(cls)'",
                                         reason: "the model class comes from the Python module '\(module)', not from "
                                                 + "Keras")
        }
        var walker = Walker(file: file)
        // Keras 2 wrote a Sequential's config as a bare list of layers.
        let body: JSONValue = config.array != nil ? .object([("layers", config)]) : config
        try walker.walk(className: cls, config: body, path: "", outer: nil)
        name = body["name"]?.string ?? cls.lowercased()
        guard let shape = walker.input else {
            throw ModelError.malformed(file: file, detail: "the model config has no InputLayer or input shape")
        }
        input = shape
        links = walker.links
        nestedModels = walker.nested
    }

    /// Walks models depth first, appending their layers in order.
    private struct Walker {
        let file: String
        var input: TensorShape?
        var links: [Link] = []
        var nested: [String] = []

        mutating func walk(className: String, config: JSONValue, path: String, outer: String?) throws {
            guard let raw = config["layers"]?.array else {
                throw ModelError.malformed(file: file, detail: "model '\(className)' lists no layers")
            }
            let entries = try raw.map { try KerasConfigEntry($0, file: file) }
            let ordered = className == "Sequential" ? entries : try KerasConfigChain.chain(entries, config: config,
                file: file)
            var used: [String: Int] = [:], keys: [String: String] = [:]
            for entry in entries {
                // model.weights.h5 names each layer's group by its class in snake case, numbered per model in order.
                let base = KerasConfigChain.snakeCase(entry.className)
                let n = used[base, default: -1] + 1
                used[base] = n
                keys[entry.name] = (path.isEmpty ? "" : path + "/") + "layers/" + (n == 0 ? base : "\(base)_\(n)")
            }
            for entry in ordered {
                guard entry.isKerasBuiltIn else {
                    throw ModelError.unsupported(file: file, layer: "layer '\(entry.name)' (\(entry.className))",
                                                 reason: "a custom layer from "
                                                         + "\(entry.module ?? entry.registeredName ?? "Python code"); "
                                                     + "ConvScope runs models made of Keras's built-in layers")
                }
                if entry.className == "InputLayer" {
                    if input == nil { input = try KerasConfigChain.inputShape(entry.config, layer: entry.name,
                        file: file) }
                    continue
                }
                if input == nil, let shape = entry.config["batch_input_shape"] ?? entry.config["batch_shape"] {
                    input = try KerasConfigChain.inputShape(.object([("batch_shape", shape)]), layer: entry.name,
                        file: file)
                }
                let key = keys[entry.name]!
                if entry.isModel {
                    nested.append(entry.name)
                    try walk(className: entry.className, config: entry.config, path: key, outer: outer ?? entry.name)
                } else {
                    links.append(Link(entry: entry, weightsPath: key, outerModel: outer))
                }
            }
        }

        init(file: String) { self.file = file }
    }

    /// A functional model's layers in the order data flows, after checking the graph is one chain.
    static func chain(_ entries: [KerasConfigEntry], config: JSONValue, file: String) throws -> [KerasConfigEntry] {
        var byName: [String: KerasConfigEntry] = [:]
        for e in entries {
            guard byName.updateValue(e, forKey: e.name) == nil else {
                throw ModelError.malformed(file: file, detail: "two layers are named '\(e.name)'")
            }
        }
        let inputs = try endpoints(config["input_layers"], what: "inputs", file: file)
        let outputs = try endpoints(config["output_layers"], what: "outputs", file: file)
        var consumers: [String: [String]] = [:]
        for e in entries {
            guard e.inboundNodes.count <= 1 else { throw ModelError.branching(file: file, node: e.name,
                op: e.className) }
            guard let node = e.inboundNodes.first else { continue }
            guard node.count == 1 else { throw ModelError.branching(file: file, node: e.name, op: e.className) }
            guard byName[node[0]] != nil else {
                throw ModelError.malformed(file: file,
                    detail: "layer '\(e.name)' is called on unknown layer '\(node[0])'")
            }
            consumers[node[0], default: []].append(e.name)
        }
        for (producer, list) in consumers where list.count > 1 {
            throw ModelError.branching(file: file, node: producer, op: byName[producer]!.className)
        }
        var order = [byName[inputs]!]
        var current = inputs
        while current != outputs {
            guard let next = consumers[current]?.first, order.count <= entries.count else {
                throw ModelError.malformed(file: file,
                    detail: "no path of layers leads from '\(inputs)' to '\(outputs)'")
            }
            order.append(byName[next]!)
            current = next
        }
        if let stray = entries.first(where: { e in !order.contains { $0.name == e.name } }) {
            throw ModelError.branching(file: file, node: stray.name, op: stray.className)
        }
        return order
    }

    /// The single layer named by "input_layers" or "output_layers": `["name", 0, 0]` or `[["name", 0, 0]]`.
    private static func endpoints(_ value: JSONValue?, what: String, file: String) throws -> String {
        guard let list = value?.array, !list.isEmpty else {
            throw ModelError.malformed(file: file, detail: "the functional model lists no \(what)")
        }
        if let name = list[0].string { return name }
        guard list.count == 1, let name = list[0].array?.first?.string else {
            throw ModelError.unsupported(file: file, layer: "model \(what)",
                                         reason: "the model has \(list.count) \(what); ConvScope runs one image in, "
                                                 + "one result out")
        }
        return name
    }

    /// (H, W, 3) from an InputLayer's `batch_shape` (Keras 3) or `batch_input_shape` (Keras 2): [null, H, W, 3].
    static func inputShape(_ config: JSONValue, layer: String, file: String) throws -> TensorShape {
        guard let dims = (config["batch_shape"] ?? config["batch_input_shape"])?.array else {
            throw ModelError.malformed(file: file, detail: "input layer '\(layer)' has no batch_shape")
        }
        let text = "[" + dims.map { $0.int.map(String.init) ?? "None" }.joined(separator: ", ") + "]"
        guard dims.count == 4 else {
            throw ModelError.unsupported(file: file, layer: "input '\(layer)'",
                                         reason: "its shape \(text) is not an image batch [None, height, width, 3]")
        }
        guard let h = dims[1].int, let w = dims[2].int else {
            throw ModelError.unsupported(file: file, layer: "input '\(layer)'",
                                         reason: "its shape \(text) leaves the image size open; ConvScope needs a "
                                                 + "fixed height and width "
                                             + "(rebuild the model with keras.Input(shape=(224, 224, 3)))")
        }
        guard dims[3].int == 3, h > 0, w > 0, h <= 8192, w <= 8192 else {
            throw ModelError.unsupported(file: file, layer: "input '\(layer)'",
                                         reason: "its shape \(text) is not an RGB image [None, height, width, 3] "
                                                 + "(channels last)")
        }
        return TensorShape(h, w, 3)
    }

    /// Keras's `naming.to_snake_case`: "Conv2D" → "conv2d", "MaxPooling2D" → "max_pooling2d", "ReLU" → "re_lu".
    static func snakeCase(_ name: String) -> String {
        let s = Array(name.filter { $0.isLetter || $0.isNumber || $0 == "_" })
        var out = ""
        for (i, c) in s.enumerated() {
            if i > 0, c.isUppercase {
                let prev = s[i - 1]
                // "(.)([A-Z][a-z]+)" and then "([a-z])([A-Z])" each put an underscore before the capital.
                let nextLower = i + 1 < s.count && s[i + 1].isLowercase
                if (nextLower && prev != "_") || prev.isLowercase { out.append("_") }
            }
            out.append(c)
        }
        return out.lowercased()
    }
}
