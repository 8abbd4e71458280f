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
