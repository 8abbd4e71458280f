import ArgumentParser
import ConvEngine
import Foundation

struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the top ImageNet classes for an image.")

    @OptionGroup var input: ImageOptions
    @OptionGroup var weightsOptions: WeightsOptions
    @Option(help: "How many classes to print.") var top = 5
    @Flag(help: "Print JSON: {\"top\":[{\"index\":…,\"name\":…,\"probability\":…},…]}.") var json = false

    func validate() throws {
        guard (1...1000).contains(top) else { throw ValidationError("--top must be between 1 and 1000") }
    }

    func run() throws {
        try reportingErrors {
            let run = try CommandLineRun(input, weightsOptions, needsClassifier: true)
            let (weights, model, image) = (run.weights, run.model, run.image)
            let activations = run.activations
            let ranked = try model.classify(activations).top(top)
            if json {
                let items = ranked.map { ["index": $0.index, "name": ImageNetClasses.name($0.index), "probability": Double($0.probability)] as [String: Any] }
                let data = try JSONSerialization.data(withJSONObject: ["top": items], options: [.sortedKeys])
                print(String(decoding: data, as: UTF8.self))
            } else {
                print("\(image.name) (\(image.original.width)×\(image.original.height)) · weights \(weights.sourceName)")
                for (rank, r) in ranked.enumerated() {
                    let name = ImageNetClasses.name(r.index).padding(toLength: 28, withPad: " ", startingAt: 0)
                    print(String(format: "%3d. %@ %7.3f%%  (class %d)", rank + 1, name, Double(r.probability) * 100, r.index))
                }
            }
        }
    }
}
