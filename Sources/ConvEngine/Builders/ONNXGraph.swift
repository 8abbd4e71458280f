import Foundation

/// An ONNX file decoded and indexed: which node produces and which nodes consume each tensor, and which tensors are
/// constants (initializers, Constant nodes, and what Identity or shape arithmetic makes of them).
struct ONNXGraph {
    /// The largest .onnx read (protobuf itself stops at 2 GB).
    static let maxFileBytes = 4 << 30

    let file: String
    let model: Onnx_ModelProto
    var graph: Onnx_GraphProto { model.graph }
    /// Constant tensors by name.
    private(set) var constants: [String: Onnx_TensorProto] = [:]
    /// Tensors computed from a Shape node (and constants): never data, only sizes.
    private(set) var shapeTensors: Set<String> = []
    /// Consumers of each tensor among the nodes that compute data, in graph order.
    private(set) var consumers: [String: [Int]] = [:]
    /// Nodes that compute constants or shapes, not data.
    private(set) var staticNodes: Set<Int> = []

    init(path: String) throws {
        file = (path as NSString).lastPathComponent
        let url = URL(fileURLWithPath: path)
        let size = ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
        guard size <= ONNXGraph.maxFileBytes else {
            throw ModelError.unsupported(file: file, layer: "the file",
                reason: "it has \(size) bytes; ConvScope reads ONNX files up to 4 GB")
        }
        let data: Data
        do { data = try Data(contentsOf: url, options: .mappedIfSafe) } catch {
            throw WeightsError.unreadable(path: path, reason: error.localizedDescription)
        }
        do {
            model = try Onnx_ModelProto(serializedBytes: data)
        } catch {
            throw ModelError.malformed(file: file,
                detail: "not a readable ONNX protobuf (\(error)); the file may be truncated")
        }
        guard model.hasGraph, !graph.node.isEmpty else { throw ModelError.malformed(file: file,
            detail: "the ONNX model has no graph") }
        for op in model.opsetImport where !op.domain.isEmpty && op.domain != "ai.onnx" && op.domain != "ai.onnx.ml" {
            throw ModelError.unsupported(file: file, layer: "opset '\(op.domain)'",
                                         reason: "the model uses custom operators; ConvScope runs the standard ONNX "
                                                 + "operators")
        }
        try index()
    }

    /// The default-domain opset version (Softmax's default axis changed at 13).
    var opsetVersion: Int {
        Int(model.opsetImport.first { $0.domain.isEmpty || $0.domain == "ai.onnx" }?.version ?? 13)
    }

    func isStatic(_ tensor: String) -> Bool {
        tensor.isEmpty || constants[tensor] != nil || shapeTensors.contains(tensor)
    }

    private mutating func index() throws {
        for t in graph.initializer {
            try ONNXTensor.requireEmbedded(t, file: file)
            constants[t.name] = t
        }
        for (i, node) in graph.node.enumerated() {
            if !node.domain.isEmpty && node.domain != "ai.onnx" {
                throw ModelError.unsupported(file: file, layer: "node '\(node.name)' (\(node.domain).\(node.opType))",
                                             reason: "a custom operator; ConvScope runs the standard ONNX operators")
            }
            if node.opType == "Constant" {
                guard let value = node.attribute.first(where: { $0.name == "value" }), value.hasT,
                    node.output.count == 1 else {
                    throw ModelError.unsupported(file: file, layer: "node '\(node.name)' (Constant)",
                                                 reason: "only tensor-valued Constant nodes are supported")
                }
                try ONNXTensor.requireEmbedded(value.t, file: file)
                var t = value.t
                t.name = node.output[0]
                constants[node.output[0]] = t
                staticNodes.insert(i)
            } else if node.opType == "Shape" {
                node.output.forEach { shapeTensors.insert($0) }
                staticNodes.insert(i)
            } else if !node.input.isEmpty, node.input.allSatisfy({ isStatic($0) }) {
                staticNodes.insert(i)
                if node.opType == "Identity", let t = constants[node.input[0]], node.output.count == 1 {
                    var alias = t
                    alias.name = node.output[0]
                    constants[node.output[0]] = alias
                } else {
                    node.output.forEach { shapeTensors.insert($0) }
                }
            } else {
                for input in node.input where !isStatic(input) { consumers[input, default: []].append(i) }
            }
        }
    }

    /// The constant named `name`, or nil if it is computed.
    func constant(_ name: String) -> Onnx_TensorProto? { constants[name] }

    /// Float values of a constant input.
    func floats(_ name: String) throws -> [Float]? {
        guard let t = constants[name] else { return nil }
        return try ONNXTensor.floats(t, file: file)
    }
}

extension Onnx_NodeProto {
    func attribute(_ name: String) -> Onnx_AttributeProto? { attribute.first { $0.name == name } }
    func int(_ name: String, default value: Int) -> Int { attribute(name).map { Int($0.i) } ?? value }
    func float(_ name: String, default value: Float) -> Float { attribute(name).map { $0.f } ?? value }
    func ints(_ name: String) -> [Int]? { attribute(name).map { $0.ints.map { Int($0) } } }
    func string(_ name: String) -> String? { attribute(name).map { String(decoding: $0.s, as: UTF8.self) } }
}
