// Temporary: replaced by the Keras and ONNX model builders.
enum KerasModelBuilder { static func load(path: String) throws -> Model { throw ModelError.malformed(file: path, detail: "not yet") } }
enum ONNXModelBuilder { static func load(path: String) throws -> Model { throw ModelError.malformed(file: path, detail: "not yet") } }
