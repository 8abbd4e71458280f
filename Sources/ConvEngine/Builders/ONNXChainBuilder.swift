/// Walks an ONNX graph from its input to its output as a chain of layers, tracking the running tensor's layout:
/// tf2onnx feeds NHWC images and transposes to NCHW before the first Conv and back before a Keras Flatten; PyTorch
/// stays NCHW. Transposes and reshapes that only move data become no layer or the right `.flatten` order.
struct ONNXChainBuilder {
    enum Layout { case nhwc, nchw, vector }

    let graph: ONNXGraph
    let names: ONNXNames
    var file: String { graph.file }

    private(set) var layers: [Layer] = []
    /// (H, W, C) of the running tensor.
    private(set) var shape: TensorShape
    var layout: Layout
    /// Index of the node that produced the last layer, so an activation or bias right after it can fold in.
    var lastNode = -1
    /// Index of the node that produced the running tensor.
    private(set) var producer = -1

    init(graph: ONNXGraph, input: TensorShape, layout: Layout) {
        self.graph = graph; self.names = ONNXNames(graph.graph.node); shape = input; self.layout = layout
    }

    /// Every layer from `input` to the graph's single output.
    mutating func walk(from input: String) throws -> [Layer] {
        let outputs = graph.graph.output.map(\.name)
        guard outputs.count == 1 else {
            throw ModelError.unsupported(file: file, layer: "graph outputs",
                                         reason: "the graph has \(outputs.count) outputs; ConvScope runs one image "
                                                 + "in, one result out")
        }
        var current = input, visited = 0
        while current != outputs[0] {
            let next = graph.consumers[current] ?? []
            guard next.count == 1 else {
                if next.isEmpty {
                    throw ModelError.malformed(file: file,
                        detail: "tensor '\(current)' leads nowhere; the graph does not reach its output")
                }
                throw branchError(splitAt: next)
            }
            let index = next[0], node = graph.graph.node[index]
            let dynamic = node.input.filter { !graph.isStatic($0) }
            guard dynamic.count == 1 else { throw ModelError.branching(file: file, node: node.name, op: node.opType) }
            guard let output = node.output.first, !output.isEmpty else {
                throw ModelError.malformed(file: file, detail: "node '\(node.name)' has no output")
            }
            try apply(node, index: index)
            producer = index
            current = output
            visited += 1
            guard visited <= graph.graph.node.count else { throw ModelError.malformed(file: file,
                detail: "the graph has a cycle") }
        }
        return layers
    }

    /// A tensor feeding two nodes: report the node where the branches meet, or the second consumer.
    private func branchError(splitAt consumers: [Int]) -> ModelError {
        let nodes = graph.graph.node
        let join = nodes.first { $0.input.filter { !graph.isStatic($0) }.count >= 2 } ?? nodes[consumers[1]]
        return .branching(file: file, node: join.name, op: join.opType)
    }

    /// Appends a layer after checking it against the running shape (a final softmax is checked by `Model.init`).
    mutating func append(_ layer: Layer, node: Int) throws {
        var probe = layer
        if case .activation(.softmax) = layer.kind {} else {
            shape = try ShapeInference.output(of: &probe, input: shape, file: file)
        }
        layers.append(layer)
        lastNode = node
    }

    /// Replaces the last layer (an activation or bias folded into it); its shape does not change.
    mutating func replaceLast(_ kind: LayerKind, node: Int) {
        layers[layers.count - 1].kind = kind
        lastNode = node
    }

    /// The last layer, if the node that produced the running tensor made it (so a node can fold into it).
    var foldable: Layer? { lastNode >= 0 && lastNode == producer ? layers.last : nil }

    mutating func setShape(_ s: TensorShape) { shape = s }

    /// `ModelError.unsupported` naming the node: "file: node 'name' (Op): reason".
    func unsupported(_ node: Onnx_NodeProto, _ reason: String) -> ModelError {
        .unsupported(file: file, layer: "node '\(node.name)' (\(node.opType))", reason: reason)
    }

    func layerName(_ node: Onnx_NodeProto, _ index: Int) -> String { names.layerName(node, index: index) }
}
