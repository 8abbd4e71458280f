import ConvEngine
import Raster

/// One image's results from the engine: everything the panels draw from.
struct Analysis {
    let generation: Int
    /// The Grad-CAM request it was analysed with (a newer choice made meanwhile is asked for when it arrives).
    let camRequest: CAMRequest
    /// The model (file and preprocessing, `WeightsInfo.key`) that made it.
    let modelKey: String
    let path: String
    let image: InputImage
    let activations: Activations
    let classification: Classification?
    let seconds: Double
    /// The first 64 channel maps of every hidden layer, rendered on the engine's queue so a layer switch only uploads
    /// (one byte a pixel: 10 MiB for VGG16, 38 as RGBA).
    let tiles: [[GrayImage]]
    /// The image in grayscale, under the Grad-CAM colours.
    var gray: RGBAImage { image.gray }

    /// On every core (the first frame waits for it), channels dealt in turn: the first layers' maps are the largest.
    static func renderTiles(_ activations: Activations) -> [[GrayImage]] {
        let maps = activations.layers
        let jobs = maps.indices.flatMap { l in (0..<min(64, maps[l].channels)).map { (l, $0) } }
        let flat = Parallel.map(jobs.count) { LayerGrid.channelLevels(maps[jobs[$0].0], jobs[$0].1) }
        var tiles: [[GrayImage]] = maps.map { _ in [] }
        for (j, job) in jobs.enumerated() { tiles[job.0].append(flat[j]) }
        return tiles
    }
}

/// What the loaded model is, for the status bar and the panels.
struct WeightsInfo: Equatable {
    let name: String
    let path: String
    let format: String
    let hasClassifier: Bool
    let modelName: String
    let hiddenLayers: [LayerInfo]
    /// One per class.
    let classNames: [String]
    let preprocessing: Preprocessing
    let inputWidth: Int, inputHeight: Int
    let defaultCAMLayer: String?

    init(_ model: Model, path: String) {
        name = model.sourceName
        self.path = path
        format = model.format
        hasClassifier = model.hasClassifier
        modelName = model.name
        hiddenLayers = model.hiddenLayers
        classNames = (0..<model.classes).map(model.className)
        preprocessing = model.preprocessing
        inputWidth = model.input.width
        inputHeight = model.input.height
        defaultCAMLayer = model.lastConvolution?.name
    }

    /// Identifies the model as run (file and preprocessing), for caches of what it computes.
    var key: String { "\(path)|\(preprocessing.rawValue)" }

    var kind: String {
        hasClassifier ? "\(modelName), \(classNames.count) classes" : "\(modelName) backbone, no classifier"
    }
}

/// A Grad-CAM result and the request it answers.
struct CAMView {
    let imageGeneration: Int
    let request: CAMRequest
    let result: CAMMap
    let seconds: Double
}

struct CAMRequest: Equatable {
    /// `CAMMethod.name` of the method the pane shows.
    var method: String = GradCAMMethod().name
    /// nil: the model's last convolution.
    var layer: String?
    var classIndex: Int?  // nil: the top class
    var score: CAMScore = .logit
}
