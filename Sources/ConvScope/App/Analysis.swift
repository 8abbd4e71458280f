import ConvEngine
import Raster

/// One image's results from the engine: everything the panels draw from.
struct Analysis {
    let generation: Int
    let path: String
    let image: InputImage
    let activations: Activations
    let classification: Classification?
    let seconds: Double
    /// The first 64 channel maps of every hidden layer, rendered on the engine's queue so a layer switch only uploads.
    let tiles: [[RGBAImage]]
    /// The image in grayscale, under the Grad-CAM colours.
    var gray: RGBAImage { image.gray }

    static func renderTiles(_ activations: Activations) -> [[RGBAImage]] {
        activations.layers.map { map in (0..<min(64, map.channels)).map { LayerGrid.channelImage(map, $0) } }
    }
}

/// What the loaded weights are, for the status bar and the panels.
struct WeightsInfo: Equatable {
    let name: String
    let path: String
    let format: String
    let hasClassifier: Bool
    var kind: String { hasClassifier ? "full VGG16" : "backbone only, no classifier" }
}

/// A Grad-CAM result and the request it answers.
struct CAMView {
    let imageGeneration: Int
    let request: CAMRequest
    let result: GradCAMResult
    let seconds: Double
}

struct CAMRequest: Equatable {
    var layer = "block5_conv3"
    var classIndex: Int?          // nil: the top class
    var score: CAMScore = .logit
}
