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
    static let configuration = CommandConfiguration(commandName: "explain",
        abstract: "Class activation maps by several methods (Grad-CAM, Grad-CAM++, XGrad-CAM, LayerCAM, HiResCAM, "
            + "Score-CAM, Eigen-CAM) for images or folders of them.")

    @Argument(help: "Images, or folders whose images (PNG, JPEG, BMP, GIF, WebP, TIFF) are explained.")
    var inputs: [String]
    @OptionGroup var weightsOptions: WeightsOptions
    @Option(help: "Methods, comma-separated, or all: \(CAMMethods.all.map(\.name).joined(separator: ", ")).")
    var method = "gradcam"
    @Option(help: "Hidden layer: a name or a 1-based index (default: the last convolution).") var layer: String?
    @Option(name: .customLong("class"), help: "Class index from 0 (default: each image's top class).") var classIndex: Int?
    @Option(help: "Score to explain: logit (default) or probability.") var score: CAMScore = .logit
    @Option(help: "Score-CAM: use only the N channels with the largest mean activation (Faster Score-CAM).")
    var scoreCamTop: Int?
    @Option(help: "Output folder (made if missing).") var out: String
    @Flag(help: "Also write each map as float32 .npy (layer resolution) with a JSON sidecar.") var npy = false
    @Flag(help: "Centre-crop to the input's aspect before resizing.") var crop = false
    @Option(help: "Overlay opacity 0…1.") var opacity: Float = 0.5

    func validate() throws {
        guard (0...1).contains(opacity) else { throw ValidationError("--opacity must be between 0 and 1") }
        _ = try methods()
        if let n = scoreCamTop, n < 1 { throw ValidationError("--score-cam-top must be at least 1") }
    }

    func methods() throws -> [any CAMMethod] {
        if method.lowercased() == "all" { return CAMMethods.all.map { configured($0) } }
        return try method.split(separator: ",").map { name in
            guard let m = CAMMethods.named(name.trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError("unknown method \(name); methods: \(CAMMethods.all.map(\.name).joined(separator: ", ")), all")
            }
            return configured(m)
        }
    }

    private func configured(_ m: any CAMMethod) -> any CAMMethod {
        guard m is ScoreCAM else { return m }
        return ScoreCAM(topChannels: scoreCamTop)
    }

    func run() throws {
        try reportingErrors {
            let methods = try methods()
            let images = try ExplainInputs.images(inputs)
            let path = try weightsOptions.resolvedPath()
            let model = try weightsOptions.load()
            let needsClass = methods.contains { $0.usesGradients || $0.usesForwardPasses }
            if needsClass && !model.hasClassifier { throw EngineError.noClassifier(model: model.sourceName) }
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            let sidecar = ExplainSidecar(modelPath: path, modelSHA256: npy ? try Checksums.sha256(ofFile: path) : nil,
                                         preprocessing: model.preprocessing.rawValue, score: score.rawValue,
                                         scoreCamTop: scoreCamTop)
            let runner = Runner(model: model)
            for (i, imagePath) in images.enumerated() {
                let start = Date()
                let image = try InputImage(path: imagePath, width: model.input.width, height: model.input.height, crop: crop)
                let a = try runner.forward(runner.preprocess(rgb: image.networkRGB))
                let c = model.hasClassifier ? try runner.classify(a) : nil
                var written: [String] = []
                for m in methods {
                    let cam = try runner.classActivationMap(m, a, classification: c, layer: layer, classIndex: classIndex,
                                                            score: score)
                    written.append(try write(cam, image: image, imagePath: imagePath, model: model, sidecar: sidecar))
                }
                print(String(format: "[%d/%d] %@: %@ (%.2f s)", i + 1, images.count, image.name,
                             written.joined(separator: ", "), Date().timeIntervalSince(start)))
            }
        }
    }

    private func write(_ cam: CAMResult, image: InputImage, imagePath: String, model: Model,
                       sidecar: ExplainSidecar) throws -> String {
        let stem = ((image.name as NSString).deletingPathExtension)
        let classPart = cam.classIndex.map { "_class\($0)" } ?? ""
        let base = (out as NSString).appendingPathComponent("\(stem)_\(cam.method)_\(cam.layer.name)\(classPart)")
        let map = FloatMap(width: cam.layer.width, height: cam.layer.height, values: cam.map)
        try PNGFile.write(Overlay.heatmap(map, over: image.shown, opacity: opacity), to: base + ".png", replace: false)
        if npy {
            try AtomicFile.write(NPY.encode(cam.map, shape: [cam.layer.height, cam.layer.width]), to: base + ".npy",
                                 replace: false)
            let json = try sidecar.json(image: imagePath, cam: cam, className: cam.classIndex.map { model.className($0) })
            try AtomicFile.write(json, to: base + ".json", replace: false)
        }
        return (base as NSString).lastPathComponent + ".png"
    }
}
