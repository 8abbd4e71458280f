import ArgumentParser
import ConvEngine
import Foundation

/// `convscope sanity`: Adebayo et al.'s cascading randomisation for one method, several or all on one image. The
/// model's weighted layers are re-initialised from the output down, one more at each step, and each method's map is
/// recomputed for the same class; each step prints how alike it still is to the map of the trained network (Spearman
/// rank correlation and SSIM, both 1 for an unchanged map). A method that explains the network loses its map as the
/// network goes.
struct SanityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sanity",
        abstract: "Randomise the model's layers from the top down and see whether the methods' maps change "
            + "(Adebayo et al., 2018).")

    @Argument(help: "The image.") var image: String
    @OptionGroup var weightsOptions: WeightsOptions
    @Option(
        name: [.customLong("method"), .customLong("methods")],
        help: "Methods, comma-separated, or all: \(ExplainMethod.names.joined(separator: ", ")).")
    var method = "gradcam"
    @Option(help: "Score-CAM keeps only this many strongest channels (Faster Score-CAM).") var scoreCamTop: Int?
    @Option(help: "Hidden layer of a CAM method: a name or a 1-based index (default: the last convolution).")
    var layer: String?
    @Option(name: .customLong("class"), help: "Class index from 0 (default: the image's top class).") var classIndex:
        Int?
    @Option(help: "Seed of the re-initialisation.") var seed: UInt64 = 2018
    @Flag(help: "Print JSON.") var json = false
    @Flag(help: "Centre-crop to the input's aspect before resizing.") var crop = false
    @OptionGroup(title: "Input attributions") var attributionOptions: AttributionOptions

    func validate() throws {
        try attributionOptions.checkPrecision(ExplainMethod.list(method, scoreCamTop: scoreCamTop))
        if let t = scoreCamTop, t < 1 { throw ValidationError("--score-cam-top must be at least 1") }
    }

    func run() throws {
        try reportingErrors {
            let model = try weightsOptions.load()
            guard model.hasClassifier else { throw EngineError.noClassifier(model: model.sourceName) }
            let methods = try attributionOptions.applied(
                to: ExplainMethod.list(method, scoreCamTop: scoreCamTop), layer: layer, model: model)
            let picture = try InputImage(path: image, width: model.input.width, height: model.input.height, crop: crop)
            let runner = Runner(model: model)
            let a = try runner.forward(runner.preprocess(rgb: picture.networkRGB))
            let top = try runner.classify(a).top(1)[0].index
            let k = classIndex ?? top
            var check = SanityCheck(model: model, methods: methods, layer: layer, classIndex: k, score: .logit)
            check.precision = attributionOptions.precision
            for i in methods.indices { try check.train(i, runner: runner, activations: a) }
            runner.dropBatchRunner()  // the trained maps are made; each step's network brings its own
            var results = Array(repeating: [(layer: String, s: SanityCheck.Similarity)](), count: methods.count)
            var net = model
            // The trained dense kernels are streamed while the randomised networks above them share them.
            let streaming = DenseKernelStreaming(model)
            defer { withExtendedLifetime(streaming) {} }
            for name in check.steps {
                // The trained layer is not used again: it goes where it can be read back (`Model.park`), before its
                // randomised copy is made.
                if let i = model.layers.firstIndex(where: { $0.name == name }) { model.park(i) }
                net = try net.randomizing([name], seed: seed)
                let r = Runner(model: net)  // the step's own; the last one's went with its iteration
                let after = try r.forward(a.input)
                for i in methods.indices {
                    let s = try check.compare(i, runner: r, activations: after)
                    results[i].append((name, s))
                    if !json {
                        print(
                            String(
                                format: "%@%@  Spearman %6.3f  SSIM %6.3f",
                                methods.count > 1
                                    ? methods[i].name.padding(toLength: 22, withPad: " ", startingAt: 0)
                                    : "",
                                name.padding(toLength: 14, withPad: " ", startingAt: 0), s.spearman, s.ssim))
                    }
                }
            }
            guard json else { return }
            func entry(_ i: Int) -> [String: Any] {
                [
                    "method": methods[i].name, "layer": check.trained[i]?.layer ?? NSNull(),
                    "parameters": methods[i].parameters(model: model, precision: attributionOptions.precision),
                    "steps": results[i].map {
                        ["randomised_through": $0.layer, "spearman": $0.s.spearman, "ssim": $0.s.ssim]
                    },
                ]
            }
            var object: [String: Any] = [
                "image": image, "model": model.sourceName, "class": k, "class_name": model.className(k), "seed": seed,
                "randomisation": "cascading, from the output down; He-normal kernels, zero biases",
            ]
            if methods.count == 1 {
                object.merge(entry(0)) { $1 }
            } else {
                object["methods"] = methods.indices.map(entry)
            }
            let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        }
    }
}
