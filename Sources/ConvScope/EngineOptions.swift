import ArgumentParser
import ConvEngine
import Foundation

/// Where the weights come from: --weights, else $CONVSCOPE_WEIGHTS.
struct WeightsOptions: ParsableArguments {
    @Option(name: .long, help: "VGG16 weights: Keras .h5, Keras 3 .weights.h5 or .safetensors (default: $CONVSCOPE_WEIGHTS).")
    var weights: String?

    func resolvedPath() throws -> String {
        if let w = weights { return w }
        if let env = ProcessInfo.processInfo.environment["CONVSCOPE_WEIGHTS"], !env.isEmpty { return env }
        throw WeightsError.noWeightsGiven
    }

    func load() throws -> VGG16Weights { try WeightsLoader.load(path: resolvedPath()) }
}

/// How the photo becomes the network's 224×224 input.
struct ImageOptions: ParsableArguments {
    @Argument(help: "The image: PNG, JPEG, BMP, GIF, WebP or TIFF.")
    var image: String

    @Flag(name: .long, help: "Centre-crop to a square before resizing (default: squash the whole image, as Keras's load_img does).")
    var crop = false
}

/// Loads the weights, then the image, and runs the 18 layers: the start of every image subcommand.
struct CommandLineRun {
    let weights: VGG16Weights
    let model: VGG16
    let image: InputImage
    let activations: Activations

    init(_ input: ImageOptions, _ weightsOptions: WeightsOptions, needsClassifier: Bool) throws {
        weights = try weightsOptions.load()
        if needsClassifier && !weights.hasClassifier { throw EngineError.noClassifier(weights: weights.sourceName) }
        model = VGG16(weights: weights)
        image = try InputImage(path: input.image, size: model.architecture.inputSize, crop: input.crop)
        activations = try model.forward(model.preprocess(rgb: image.networkRGB))
    }
}
