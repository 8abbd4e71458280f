import ArgumentParser
import ConvEngine
import Foundation
import Platform
import Raster

struct Cam: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Write the Grad-CAM overlay (jet over grayscale) at the image's size.")

    @OptionGroup var input: ImageOptions
    @OptionGroup var weightsOptions: WeightsOptions
    @Option(help: "Output PNG.") var out: String
    @Option(help: "Hidden layer whose output is explained.") var layer = "block5_conv3"
    @Option(help: "Score to explain: logit (default, as in the paper) or probability.") var score: CAMScore = .logit
    @Option(name: .customLong("class"), help: "Class index 0…999 (default: the top class).") var classIndex: Int?
    @Option(help: "Overlay opacity 0…1.") var opacity: Float = 0.5
    @Option(help: "Also write the normalised map at the layer's resolution as .npy.") var npy: String?

    func validate() throws {
        guard Architecture.hiddenLayerNames.contains(layer) else { throw ValidationError(EngineError.unknownLayer(layer).description) }
        guard (0...1).contains(opacity) else { throw ValidationError("--opacity must be between 0 and 1") }
    }

    func run() throws {
        try reportingErrors {
            let run = try CommandLineRun(input, weightsOptions, needsClassifier: true)
            let (model, image, activations) = (run.model, run.image, run.activations)
            let classification = try model.classify(activations)
            let cam = try model.gradCAM(activations, classification: classification, layer: layer, classIndex: classIndex, score: score)
            let map = FloatMap(width: cam.layer.width, height: cam.layer.height, values: cam.map)
            try PNGFile.write(Overlay.heatmap(map, over: image.shown, opacity: opacity), to: out)
            if let npy { try AtomicFile.write(NPY.encode(cam.map, shape: [cam.layer.height, cam.layer.width]), to: npy) }
            print(String(format: "%@ · %@ (class %d), %@ %.4f, layer %@", out, ImageNetClasses.name(cam.classIndex), cam.classIndex,
                         score.rawValue, Double(cam.scoreValue), layer))
        }
    }
}

extension CAMScore: ExpressibleByArgument {}
