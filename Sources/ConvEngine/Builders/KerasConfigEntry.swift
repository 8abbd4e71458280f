/// One layer of a Keras model config as Keras 2 or Keras 3 writes it: its class, name, settings, and the layers
/// whose outputs it is called on.
struct KerasConfigEntry {
    let className: String
    let name: String
    /// The layer's "config" object (kernel_size, activation, …).
    let config: JSONValue
    /// Keras 3's "module" ("keras.layers", "keras.src.models.functional"); nil in Keras 2 files.
    let module: String?
    /// Keras 3's "registered_name": null for Keras's own classes, "package>Name" for registered custom objects.
    let registeredName: String?
    /// One entry per call of the layer (inbound node), each the names of the layers producing its input tensors.
    let inboundNodes: [[String]]

    /// Whether the entry is a model inside the model (keras.applications' VGG16 under a new head).
    var isModel: Bool { ["Functional", "Sequential", "Model"].contains(className) && config["layers"] != nil }

    init(_ json: JSONValue, file: String) throws {
        guard case .string(let cls)? = json["class_name"], let config = json["config"] else {
            throw ModelError.malformed(file: file, detail: "a layer in the model config has no class_name or config")
        }
        className = cls
        self.config = config
        guard let n = json["name"]?.string ?? config["name"]?.string else {
            throw ModelError.malformed(file: file, detail: "a \(cls) layer in the model config has no name")
        }
        name = n
        if case .string(let m)? = json["module"] { module = m } else { module = nil }
        if case .string(let r)? = json["registered_name"] { registeredName = r } else { registeredName = nil }
        inboundNodes = try KerasConfigEntry.inbound(json["inbound_nodes"], layer: name, file: file)
    }

    /// A class Keras itself defines, not a custom object a Python module must supply.
    var isKerasBuiltIn: Bool {
        if let m = module, m != "keras", !m.hasPrefix("keras.") { return false }
        if let r = registeredName, r != className { return false }
        return true
    }

    /// Keras 3: `[{"args": [...], "kwargs": {...}}]` with `__keras_tensor__` objects naming their layer in
    /// `keras_history`. Keras 2: `[[["layer", node, tensor, {kwargs}], ...]]`.
    private static func inbound(_ value: JSONValue?, layer: String, file: String) throws -> [[String]] {
        guard let value, case .array(let nodes) = value else { return [] }
        return try nodes.map { node -> [String] in
            switch node {
            case .object:
                var names: [String] = []
                collectTensors(node, into: &names)
                return names
            case .array(let calls):
                return try calls.map { call -> String in
                    guard case .array(let parts) = call, case .string(let producer)? = parts.first else {
                        throw ModelError.malformed(file: file,
                            detail: "inbound node of layer '\(layer)' is not understood")
                    }
                    return producer
                }
            default:
                throw ModelError.malformed(file: file, detail: "inbound node of layer '\(layer)' is not understood")
            }
        }
    }

    /// Every `__keras_tensor__`'s producing layer inside a Keras 3 call's args and kwargs, in order.
    private static func collectTensors(_ value: JSONValue, into names: inout [String]) {
        switch value {
        case .object(let members):
            if case .string("__keras_tensor__")? = value["class_name"],
               case .array(let history)? = value["config"]?["keras_history"],
                   case .string(let producer)? = history.first {
                names.append(producer)
                return
            }
            for (_, v) in members { collectTensors(v, into: &names) }
        case .array(let items):
            for v in items { collectTensors(v, into: &names) }
        default:
            break
        }
    }
}

extension JSONValue {
    var string: String? { if case .string(let s) = self { return s } else { return nil } }
    var number: Double? { if case .number(let d) = self { return d } else { return nil } }
    var bool: Bool? { if case .bool(let b) = self { return b } else { return nil } }
    var array: [JSONValue]? { if case .array(let a) = self { return a } else { return nil } }
    var isNull: Bool { self == .null }
    /// An integer-valued number.
    var int: Int? {
        guard case .number(let d) = self, d == d.rounded(), abs(d) < 1e15 else { return nil }
        return Int(d)
    }
}
