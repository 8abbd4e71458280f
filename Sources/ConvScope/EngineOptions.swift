import ArgumentParser
import ConvEngine
import Foundation
import WeightsStore

/// Which model to run, how its classes are named and how photos are preprocessed. With no --weights, the same
/// resolver as the window and `convscope weights`: $CONVSCOPE_WEIGHTS, the repo's Weights/, the data folder, the
/// Keras and Hugging Face caches.
struct WeightsOptions: ParsableArguments {
    @Option(
        name: [.long, .customLong("model")],
        help:
            "A model file: Keras .h5 / .weights.h5 / .keras, ONNX .onnx or torchvision/timm .safetensors (default: $CONVSCOPE_WEIGHTS, then discovery)."
    )
    var weights: String?

    @Option(
        help:
            "Class names: one per line, a JSON list, or a JSON object name → index (default: <model>.labels.txt, labels.txt or class_indices.json beside the model)."
    )
    var labels: String?

    @Option(
        help:
            "caffe (BGR − ImageNet mean), torch (RGB/255, ImageNet mean/std), tf (RGB/127.5 − 1), unit (RGB/255) or none (default: the model's own)."
    )
    var preprocess: Preprocessing?

    func resolvedPath() throws -> String {
        if let w = weights { return w }
        if let env = ProcessInfo.processInfo.environment["CONVSCOPE_WEIGHTS"], !env.isEmpty { return env }
        if let found = WeightsDiscovery.forCurrentUser(
            explicit: nil, repoWeightsFolder: RepoPaths.root.map { $0 + "/Weights" }
        ).best() {
            return found.path
        }
        throw WeightsError.noWeightsGiven
    }

    func load() throws -> Model {
        try IsolatedModelLoader.load(path: resolvedPath(), labels: labels, preprocessing: preprocess)
    }
}

extension Preprocessing: ExpressibleByArgument {}

/// How the photo becomes the network's input.
struct ImageOptions: ParsableArguments {
    @Argument(help: "The image: PNG, JPEG, BMP, GIF, WebP or TIFF.")
    var image: String

    @Flag(
        name: .long,
        help:
            "Centre-crop to the input's aspect before resizing (default: squash the whole image, as Keras's load_img does)."
    )
    var crop = false
}

/// Loads the model, then the image, and runs every layer: the start of every image subcommand.
struct CommandLineRun {
    let model: Model
    let runner: Runner
    let image: InputImage
    let activations: Activations

    init(_ input: ImageOptions, _ weightsOptions: WeightsOptions, needsClassifier: Bool) throws {
        model = try weightsOptions.load()
        if needsClassifier && !model.hasClassifier { throw EngineError.noClassifier(model: model.sourceName) }
        runner = Runner(model: model)
        image = try InputImage(
            path: input.image, width: model.input.width, height: model.input.height, crop: input.crop)
        activations = try runner.forward(runner.preprocess(rgb: image.networkRGB))
    }
}
