/// What an index was made with: the model (its weights' SHA-256), the folder, how photos became the network's input,
/// how many images it keeps per channel, and the layers it covers with their maps' sizes and receptive fields.
public struct IndexSettings: Codable, Equatable, Sendable {
    public var modelSHA256: String
    public var modelName: String
    /// The folder's absolute path (symbolic links resolved).
    public var folder: String
    public var preprocessing: String
    /// Centre-cropped to the input's aspect (else squashed, as the window does by default).
    public var crop: Bool
    public var inputHeight: Int, inputWidth: Int
    /// Images per channel `top` gives.
    public var top: Int
    /// Images kept per channel: `top` and a reserve, so files changing or going rarely cost a fresh index.
    public var keep: Int
    public var layers: [IndexedLayer]

    public init(modelSHA256: String, modelName: String, folder: String, preprocessing: Preprocessing, crop: Bool,
                inputHeight: Int, inputWidth: Int, top: Int, keep: Int? = nil, layers: [IndexedLayer]) {
        self.modelSHA256 = modelSHA256.lowercased(); self.modelName = modelName; self.folder = folder
        self.preprocessing = preprocessing.rawValue; self.crop = crop
        self.inputHeight = inputHeight; self.inputWidth = inputWidth
        self.top = top; self.keep = keep ?? 2 * top; self.layers = layers
    }

    /// Settings for `layers` of `model` (hidden layers), its preprocessing and input size.
    public init(model: Model, modelSHA256: String, folder: String, crop: Bool, top: Int, layers: [LayerInfo]) {
        self.init(modelSHA256: modelSHA256, modelName: model.name, folder: folder, preprocessing: model.preprocessing,
                  crop: crop, inputHeight: model.input.height, inputWidth: model.input.width, top: top,
                  layers: layers.map { IndexedLayer($0, field: ReceptiveField(model: model, through: $0.last)) })
    }

    /// The channels of every layer, in order.
    public var channelCount: Int { layers.reduce(0) { $0 + $1.channels } }

    /// Whether an index made with `self` answers a request for `wanted`: same model, folder and view, its layers
    /// among ours, and no more images per channel than we keep. Nil when it does, else why not.
    public func mismatch(answering wanted: IndexSettings) -> String? {
        if modelSHA256 != wanted.modelSHA256 { return "it was made with another model" }
        if folder != wanted.folder { return "it was made for another folder (\(folder))" }
        if preprocessing != wanted.preprocessing { return "it was made with \(preprocessing) preprocessing" }
        if crop != wanted.crop { return crop ? "it was made with --crop" : "it was made without --crop" }
        if inputHeight != wanted.inputHeight || inputWidth != wanted.inputWidth {
            return "it was made at \(inputWidth)×\(inputHeight)"
        }
        if let missing = wanted.layers.first(where: { w in !layers.contains(w) }) {
            return "it does not cover \(missing.name)"
        }
        if wanted.top > top { return "it keeps the top \(top), not \(wanted.top)" }
        return nil
    }
}

/// A hidden layer an index covers: its name, its map's size, and the receptive field of its positions.
public struct IndexedLayer: Codable, Equatable, Sendable {
    public var name: String
    public var height: Int, width: Int, channels: Int
    public var field: ReceptiveField

    public init(name: String, height: Int, width: Int, channels: Int, field: ReceptiveField) {
        self.name = name; self.height = height; self.width = width; self.channels = channels; self.field = field
    }

    public init(_ info: LayerInfo, field: ReceptiveField) {
        self.init(name: info.name, height: info.height, width: info.width, channels: info.channels, field: field)
    }
}
