import Foundation

/// Builds a `Model` from a whole Keras model: a Keras 3 `.keras` archive, or a legacy full-model `.h5` (Keras 2 or 3,
/// `model.save("x.h5")`). The model must be a chain of Keras's built-in layers (Sequential, or functional with one
/// path); a nested base model such as keras.applications' VGG16 under a new head is flattened into it.
public enum KerasModelBuilder {
    /// The largest model file read.
    static let maxFileBytes: UInt64 = 5 << 30
    /// The largest `model_config` JSON read from a legacy `.h5`.
    static let maxConfigBytes = 16 << 20

    /// Whether `path` looks like a whole Keras model: a zip with a `config.json`, or an HDF5 file with a
    /// `model_config` attribute (weights-only `.h5` files have none).
    public static func recognises(path: String) -> Bool {
        if KerasArchive.hasSignature(path: path) {
            return (try? KerasArchive(path: path).contains("config.json")) == true
        }
        guard let h = FileHandle(forReadingAtPath: path), let head = try? h.read(upToCount: 4096) else { return false }
        try? h.close()
        guard HDF5File.hasSignature(head), let file = try? HDF5File(path: path) else { return false }
        return (try? file.longStringAttribute("model_config", of: "/", limit: maxConfigBytes)) != nil
    }

    /// Reads the model at `path`. Throws `ModelError` naming the first layer ConvScope cannot run, a branch, or
    /// what is damaged in the file.
    public static func load(path: String) throws -> Model {
        let file = (path as NSString).lastPathComponent
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path,
            isDirectory: &isDirectory) else { throw WeightsError.notFound(path: path) }
        guard !isDirectory.boolValue else { throw WeightsError.isDirectory(path: path) }
        let size = ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.uint64Value ?? 0
        guard size <= maxFileBytes else {
            throw ModelError.unsupported(file: file, layer: "the file",
                reason: "it has \(size) bytes; ConvScope reads models up to 5 GB")
        }
        if KerasArchive.hasSignature(path: path) { return try loadKeras3(path: path, file: file) }
        return try loadLegacy(path: path, file: file)
    }

    private static func loadKeras3(path: String, file: String) throws -> Model {
        let archive = try KerasArchive(path: path)
        let chain = try KerasConfigChain(root: try parse(try archive.config(), what: "config.json", file: file),
            file: file)
        return try archive.withWeightsFile { weightsPath in
            let h5 = try kerasHDF5(file) { try HDF5File(path: weightsPath) }
            return try build(chain, weights: KerasV3Weights(h5: h5, file: file), file: file, format: "Keras .keras")
        }
    }

    private static func loadLegacy(path: String, file: String) throws -> Model {
        guard let h = FileHandle(forReadingAtPath: path) else { throw WeightsError.unreadable(path: path,
            reason: "permission denied") }
        let head = (try? h.read(upToCount: 4096)) ?? Data()
        try? h.close()
        guard HDF5File.hasSignature(head) else {
            throw ModelError.malformed(file: file, detail: "neither a Keras 3 .keras zip nor an HDF5 .h5 model")
        }
        let h5 = try kerasHDF5(file) { try HDF5File(path: path) }
        guard let text = try kerasHDF5(file, { try h5.longStringAttribute("model_config", of: "/",
            limit: maxConfigBytes) }) else {
            throw ModelError.unsupported(file: file, layer: "the file",
                                         reason: "it holds weights only, without the model's layers (no "
                                                 + "model_config); "
                                             + "save the whole model with model.save(\"model.keras\")")
        }
        let chain = try KerasConfigChain(root: try parse(Array(text.utf8), what: "model_config", file: file),
            file: file)
        return try build(chain, weights: KerasLegacyWeights(h5: h5, file: file), file: file,
            format: "Keras HDF5 model")
    }

    private static func parse(_ bytes: [UInt8], what: String, file: String) throws -> JSONValue {
        do { return try JSONValue.parse(bytes) } catch let e as JSONValue.ParseError {
            throw ModelError.malformed(file: file,
                detail: "\(what) is not valid JSON: \(e.message.replacingOccurrences(of: "header", with: what))")
        }
    }

    /// Maps every link of the chain to a layer, following the shape from layer to layer so each variable's shape
    /// is checked before its data is read.
    static func build(_ chain: KerasConfigChain, weights: KerasWeightSource, file: String,
        format: String) throws -> Model {
        let mapper = KerasLayerMapper(file: file, weights: weights)
        var layers: [Layer] = [], shape = chain.input
        for (i, link) in chain.links.enumerated() {
            guard let layer = try mapper.layer(link, input: shape) else { continue }
            layers.append(layer)
            if i < chain.links.count - 1 {   // the last layer may end in the softmax Model.init splits off
                var probe = layer
                shape = try ShapeInference.output(of: &probe, input: shape, file: file)
            }
        }
        return try Model(name: modelName(chain), format: format, sourceName: file, input: chain.input,
                         preprocessing: preprocessing(chain), layers: layers)
    }

    /// The config's name; a Keras-generated one ("functional_3") over a nested VGG base becomes "vgg16 + head".
    static func modelName(_ chain: KerasConfigChain) -> String {
        let generated = ["functional", "sequential", "model"].contains {
            chain.name == $0 || (chain.name.hasPrefix($0 + "_") && Int(chain.name.dropFirst($0.count + 1)) != nil)
        }
        if generated, let base = vggBase(chain), base != chain.name { return "\(base) + head" }
        return chain.name
    }

    /// Rescaling or Normalization inside: the model takes 0–255 RGB as it is. A keras.applications VGG (a model
    /// named vgg16 or vgg19 whose first convolution is block1_conv1): Caffe-style BGR minus the ImageNet mean.
    static func preprocessing(_ chain: KerasConfigChain) -> Preprocessing {
        if chain.links.contains(where: { ["Rescaling",
            "Normalization"].contains($0.entry.className) }) { return .none }
        return vggBase(chain) != nil ? .caffe : .none
    }

    /// The name of a keras.applications VGG in the chain (the model itself or a nested base), if there is one.
    static func vggBase(_ chain: KerasConfigChain) -> String? {
        let firstConv = chain.links.first { $0.entry.className == "Conv2D" }
        guard let conv = firstConv, conv.entry.name == "block1_conv1" else { return nil }
        let owner = conv.outerModel ?? chain.name
        return ["vgg16", "vgg19"].contains(owner) ? owner : nil
    }
}
