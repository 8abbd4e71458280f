import ArgumentParser
import ConvEngine
import Foundation

struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the model's top classes for an image.")

    @OptionGroup var input: ImageOptions
    @OptionGroup var weightsOptions: WeightsOptions
    @Option(help: "How many classes to print.") var top = 5
    @Flag(help: "Print JSON: {\"top\":[{\"index\":…,\"name\":…,\"probability\":…},…]}.") var json = false

    func validate() throws {
        guard top >= 1 else { throw ValidationError("--top must be 1 or more") }
    }

    func run() throws {
        try reportingErrors {
            let run = try CommandLineRun(input, weightsOptions, needsClassifier: true)
            let (model, image) = (run.model, run.image)
            let ranked = try run.runner.classify(run.activations).top(top)
            if json {
                let items = ranked.map {
                    ["index": $0.index, "name": model.className($0.index), "probability": Double($0.probability)]
                        as [String: Any]
                }
                let data = try JSONSerialization.data(withJSONObject: ["top": items], options: [.sortedKeys])
                print(String(decoding: data, as: UTF8.self))
            } else {
                print(
                    "\(image.name) (\(image.original.width)×\(image.original.height)) · \(model.sourceName) (\(model.name), preprocessing \(model.preprocessing.rawValue))"
                )
                for (rank, r) in ranked.enumerated() {
                    let name = model.className(r.index).padding(toLength: 28, withPad: " ", startingAt: 0)
                    print(
                        String(
                            format: "%3d. %@ %7.3f%%  (class %d)", rank + 1, name, Double(r.probability) * 100, r.index)
                    )
                }
            }
        }
    }
}
