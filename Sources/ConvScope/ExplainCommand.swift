import ArgumentParser
import ConvEngine
import Foundation
import Platform
import Raster
import WeightsStore

/// `convscope explain`: class activation maps by one or more methods for images or folders of images. Each map is
/// written as a PNG overlay (jet over grayscale, at the image's size), the map itself as float32 `.npy` at the layer's
/// resolution, and a JSON sidecar saying how it was made. Existing files are never replaced.
struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Class activation maps (Grad-CAM and its family) and input attributions (saliency, guided backprop, "
            + "Integrated Gradients, SmoothGrad, occlusion, …) for images or folders of them.")

    @Argument(help: "Images, or folders whose images (PNG, JPEG, BMP, GIF, WebP, TIFF) are explained.")
    var inputs: [String]
    @OptionGroup var weightsOptions: WeightsOptions
    @Option(help: "Methods, comma-separated, or all: \(ExplainMethod.names.joined(separator: ", ")).")
    var method = "gradcam"
    @Option(help: "Hidden layer: a name or a 1-based index (default: the last convolution).") var layer: String?
    @Option(name: .customLong("class"), help: "Class index from 0 (default: each image's top class).") var classIndex:
        Int?
    @Option(help: "Score to explain: logit (default) or probability.") var score: CAMScore = .logit
    @Option(help: "Score-CAM: use only the N channels with the largest mean activation (Faster Score-CAM).")
    var scoreCamTop: Int?
    @Option(help: "Output folder (made if missing).") var out: String
    @Flag(help: "Also write each map as float32 .npy (layer resolution) with a JSON sidecar.") var npy = false
    @Flag(help: "Centre-crop to the input's aspect before resizing.") var crop = false
    @Option(help: "Overlay opacity 0…1.") var opacity: Float = 0.5
    @OptionGroup(title: "Input attributions") var attributionOptions: AttributionOptions

    func validate() throws {
        guard (0...1).contains(opacity) else { throw ValidationError("--opacity must be between 0 and 1") }
        try attributionOptions.checkPrecision(methods())
        if let n = scoreCamTop, n < 1 { throw ValidationError("--score-cam-top must be at least 1") }
    }

    func methods() throws -> [ExplainMethod] { try ExplainMethod.list(method, scoreCamTop: scoreCamTop) }

    func run() throws {
        try reportingErrors {
            let methods = try methods()
            let images = try ExplainInputs.images(inputs)
            let path = try weightsOptions.resolvedPath()
            let model = try weightsOptions.load()
            let configured = try attributionOptions.applied(to: methods, layer: layer, model: model)
            let needsClass = methods.contains(where: \.needsClassifier)
            if needsClass && !model.hasClassifier { throw EngineError.noClassifier(model: model.sourceName) }
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            let sidecar = ExplainSidecar(
                modelPath: path, modelSHA256: npy ? try Checksums.sha256(ofFile: path) : nil,
                preprocessing: model.preprocessing.rawValue, score: score.rawValue)
            let runner = Runner(model: model)
            for (i, imagePath) in images.enumerated() {
                let start = Date()
                let image = try InputImage(
                    path: imagePath, width: model.input.width, height: model.input.height, crop: crop)
                let a = try ExplainMethod.forward(
                    methods, runner, runner.preprocess(rgb: image.networkRGB), layer: layer)
                let c = needsClass ? try runner.classify(a) : nil
                var written: [String] = []
                for m in configured {
                    let map = try m.run(
                        runner, a, classification: c, layer: layer, classIndex: classIndex, score: score,
                        precision: attributionOptions.precision)
                    written.append(try write(map, image: image, imagePath: imagePath, model: model, sidecar: sidecar))
                }
                print(
                    String(
                        format: "[%d/%d] %@: %@ (%.2f s)", i + 1, images.count, image.name,
                        written.joined(separator: ", "), Date().timeIntervalSince(start)))
            }
        }
    }

    private func write(
        _ m: ExplainedMap, image: InputImage, imagePath: String, model: Model,
        sidecar: ExplainSidecar
    ) throws -> String {
        let stem = ((image.name as NSString).deletingPathExtension)
        let parts = [stem, m.method] + (m.layer.map { [$0] } ?? []) + (m.classIndex.map { ["class\($0)"] } ?? [])
        let base = (out as NSString).appendingPathComponent(parts.joined(separator: "_"))
        let map = FloatMap(width: m.width, height: m.height, values: m.display)
        try PNGFile.write(Overlay.heatmap(map, over: image.shown, opacity: opacity), to: base + ".png", replace: false)
        if npy {
            try AtomicFile.write(NPY.encode(m.values, shape: m.shape), to: base + ".npy", replace: false)
            let json = try sidecar.json(image: imagePath, map: m, className: m.classIndex.map { model.className($0) })
            try AtomicFile.write(json, to: base + ".json", replace: false)
        }
        return (base as NSString).lastPathComponent + ".png"
    }
}
