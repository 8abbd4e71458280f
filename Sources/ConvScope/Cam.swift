import ArgumentParser
import ConvEngine
import Foundation
import Platform
import Raster

struct Cam: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the Grad-CAM overlay (jet over grayscale) at the image's size.")

    @OptionGroup var input: ImageOptions
    @OptionGroup var weightsOptions: WeightsOptions
    @Option(help: "Output PNG.") var out: String
    @Option(help: "Hidden layer whose output is explained: a name or a 1-based index (default: the last convolution).")
    var layer: String?
    @Option(help: "Score to explain: logit (default, as in the paper) or probability.") var score: CAMScore = .logit
    @Option(name: .customLong("class"), help: "Class index from 0 (default: the top class).") var classIndex: Int?
    @Option(help: "Overlay opacity 0…1.") var opacity: Float = 0.5
    @Option(help: "Also write the normalised map at the layer's resolution as .npy.") var npy: String?

    func validate() throws {
        guard (0...1).contains(opacity) else { throw ValidationError("--opacity must be between 0 and 1") }
    }

    func run() throws {
        try reportingErrors {
            let run = try CommandLineRun(input, weightsOptions, needsClassifier: true)
            let (runner, image, activations) = (run.runner, run.image, run.activations)
            let classification = try runner.classify(activations)
            let cam = try runner.gradCAM(
                activations, classification: classification, layer: layer, classIndex: classIndex, score: score)
            let map = FloatMap(width: cam.layer.width, height: cam.layer.height, values: cam.map)
            try PNGFile.write(Overlay.heatmap(map, over: image.shown, opacity: opacity), to: out)
            if let npy {
                try AtomicFile.write(NPY.encode(cam.map, shape: [cam.layer.height, cam.layer.width]), to: npy)
            }
            print(
                String(
                    format: "%@ · %@ (class %d), %@ %.4f, layer %@", out, run.model.className(cam.classIndex),
                    cam.classIndex,
                    score.rawValue, Double(cam.scoreValue), cam.layer.name))
        }
    }
}

extension CAMScore: ExpressibleByArgument {}
