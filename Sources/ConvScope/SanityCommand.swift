import ArgumentParser
import ConvEngine
import Foundation

/// `convscope sanity`: Adebayo et al.'s cascading randomisation for one method on one image. The model's weighted
/// layers are re-initialised from the output down, one more at each step, and the method's map is recomputed for the
/// same class; each step prints how alike it still is to the map of the trained network (Spearman rank correlation
/// and SSIM, both 1 for an unchanged map). A method that explains the network loses its map as the network goes.
struct SanityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sanity",
        abstract: "Randomise the model's layers from the top down and see whether a method's map changes "
            + "(Adebayo et al., 2018).")

    @Argument(help: "The image.") var image: String
    @OptionGroup var weightsOptions: WeightsOptions
    @Option(help: "The method: \(ExplainMethod.names.joined(separator: ", ")).") var method = "gradcam"
    @Option(help: "Hidden layer of a CAM method: a name or a 1-based index (default: the last convolution).")
    var layer: String?
    @Option(name: .customLong("class"), help: "Class index from 0 (default: the image's top class).") var classIndex:
        Int?
    @Option(help: "Seed of the re-initialisation.") var seed: UInt64 = 2018
    @Flag(help: "Print JSON.") var json = false
    @Flag(help: "Centre-crop to the input's aspect before resizing.") var crop = false

    func validate() throws {
        guard ExplainMethod(method, scoreCamTop: nil) != nil else {
            throw ValidationError("unknown method \(method); methods: \(ExplainMethod.names.joined(separator: ", "))")
        }
    }

    func run() throws {
        try reportingErrors {
            let m = ExplainMethod(method, scoreCamTop: nil)!
            let model = try weightsOptions.load()
            guard model.hasClassifier else { throw EngineError.noClassifier(model: model.sourceName) }
            let picture = try InputImage(path: image, width: model.input.width, height: model.input.height, crop: crop)
            let rgb = picture.networkRGB
            func map(_ net: Model, _ k: Int?) throws -> ExplainedMap {
                let runner = Runner(model: net)
                let a = try runner.forward(runner.preprocess(rgb: rgb))
                return try m.run(
                    runner, a, classification: try runner.classify(a), layer: layer, classIndex: k,
                    score: .logit)
            }
            let trained = try map(model, classIndex)
            let top = try { () throws -> Int in
                let runner = Runner(model: model)
                return try runner.classify(try runner.forward(runner.preprocess(rgb: rgb))).top(1)[0].index
            }()
            let k = trained.classIndex ?? classIndex ?? top
            var randomised: Set<String> = []
            var steps: [(layer: String, spearman: Float, ssim: Float)] = []
            for name in model.weightedLayersTopDown {
                randomised.insert(name)
                let after = try map(try model.randomizing(randomised, seed: seed), k)
                steps.append(
                    (
                        name, MapSimilarity.spearman(trained.display, after.display),
                        MapSimilarity.ssim(trained.display, after.display, height: after.height, width: after.width)
                    ))
                if !json {
                    print(
                        String(
                            format: "%@  Spearman %6.3f  SSIM %6.3f",
                            name.padding(
                                toLength: 14, withPad: " ",
                                startingAt: 0),
                            steps.last!.spearman, steps.last!.ssim))
                }
            }
            if json {
                let object: [String: Any] = [
                    "image": image, "model": model.sourceName, "method": trained.method, "class": k,
                    "class_name": model.className(k), "layer": trained.layer ?? NSNull(), "seed": seed,
                    "randomisation": "cascading, from the output down; He-normal kernels, zero biases",
                    "steps": steps.map { ["randomised_through": $0.layer, "spearman": $0.spearman, "ssim": $0.ssim] },
                ]
                let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
                print(String(decoding: data, as: UTF8.self))
            }
        }
    }
}
