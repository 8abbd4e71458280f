import Foundation

/// Builds a `Model` from an ONNX file whose graph is a chain: PyTorch exports (NCHW) and tf2onnx exports of Keras
/// models (NHWC input, transposed around the convolutions). Weights must be inside the file.
public enum ONNXModelBuilder {
    /// Reads the model at `path`. Throws `ModelError` naming the first node ConvScope cannot run, a branch, or what is
    /// damaged in the file.
    public static func load(path: String) throws -> Model {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path,
            isDirectory: &isDirectory) else { throw WeightsError.notFound(path: path) }
        guard !isDirectory.boolValue else { throw WeightsError.isDirectory(path: path) }
        let graph = try ONNXGraph(path: path)
        let (inputName, shape, layout) = try input(of: graph)
        var builder = ONNXChainBuilder(graph: graph, input: shape, layout: layout)
        let layers = try builder.walk(from: inputName)
        let stem = ((graph.file as NSString).deletingPathExtension as NSString).lastPathComponent
        let generic: Set<String> = ["", "tf2onnx", "main_graph", "torch_jit", "torch-jit-export", "torch_graph"]
        let name = builder.names.modelScope ?? (generic.contains(graph.graph.name) ? stem : graph.graph.name)
        return try Model(name: name, format: "ONNX", sourceName: graph.file, input: shape, preprocessing: .none,
            layers: layers)
    }

    /// The graph's one image input: [N, H, W, 3] (tf2onnx) or [N, 3, H, W] (PyTorch), H and W fixed.
    static func input(of graph: ONNXGraph) throws -> (String, TensorShape, ONNXChainBuilder.Layout) {
        // Old exports list the weights among the inputs too.
        let inputs = graph.graph.input.filter { graph.constant($0.name) == nil }
        guard inputs.count == 1, let input = inputs.first else {
            throw ModelError.unsupported(file: graph.file, layer: "graph inputs",
                                         reason: "the graph has \(inputs.count) inputs; ConvScope runs one image in, "
                                                 + "one result out")
        }
        let dims: [Int?] = input.type.tensorType.shape.dim.map { d -> Int? in
            if case .dimValue(let v)? = d.value, v > 0 { return Int(v) } else { return nil }
        }
        let shown: [String] = dims.map { d -> String in d.map { String($0) } ?? "?" }
        let text = "[" + shown.joined(separator: ", ") + "]"
        func refuse(_ reason: String) -> ModelError { .unsupported(file: graph.file, layer: "input '\(input.name)'",
            reason: reason) }
        guard input.type.tensorType.elemType == 1 else { throw refuse("its element type is not float32") }
        guard dims.count == 4 else { throw refuse("its shape \(text) is not an image batch [N, 3, H, W] or [N, H, W, "
                                                  + "3]") }
        guard dims[0] == nil || dims[0] == 1 else { throw refuse("its batch size is fixed at \(dims[0]!); ConvScope "
                                                                 + "runs one image") }
        let first = graph.consumers[input.name]?.first.map { graph.graph.node[$0] }
        let firstIsTranspose = first?.opType == "Transpose"
        let nhwc = dims[3] == 3 && (dims[1] != 3 || firstIsTranspose)
        guard nhwc || dims[1] == 3 else { throw refuse("its shape \(text) is not a 3-channel image [N, 3, H, W] or "
                                                       + "[N, H, W, 3]") }
        guard let h = nhwc ? dims[1] : dims[2], let w = nhwc ? dims[2] : dims[3] else {
            throw refuse("its shape \(text) leaves the image size open; ConvScope needs a fixed height and width "
                             + "(export with a fixed input size, e.g. 1×3×224×224)")
        }
        guard h > 0, w > 0, h <= 8192, w <= 8192 else { throw refuse("its image size \(h)×\(w) is out of range") }
        return (input.name, TensorShape(h, w, 3), nhwc ? .nhwc : .nchw)
    }
}
