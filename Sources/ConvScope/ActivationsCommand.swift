import ArgumentParser
import ConvEngine
import Foundation
import Platform

struct ActivationsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "activations",
        abstract: "Write an 8×8 PNG grid of the first 64 channel maps of each hidden layer.")

    @OptionGroup var input: ImageOptions
    @OptionGroup var weightsOptions: WeightsOptions
    @Option(help: "Output folder (created if missing).") var out: String
    @Option(name: .customLong("layer"), help: "A hidden layer, by name or 1-based index (repeatable; default all).")
    var layers: [String] = []
    @Flag(help: "Also write <layer>.npy: the whole output, float32, H×W×C.") var npy = false

    func run() throws {
        try reportingErrors {
            let run = try CommandLineRun(input, weightsOptions, needsClassifier: false)
            let activations = run.activations
            do { try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true) } catch {
                throw CommandLineError.outputFolder(out)
            }
            let chosen = layers.isEmpty ? run.model.hiddenLayers : try layers.map { try run.model.hiddenLayer($0) }
            var index: [[String: Any]] = []
            for info in chosen {
                let map = activations.layer(info.index)
                let png = (out as NSString).appendingPathComponent("\(info.name).png")
                try PNGFile.write(LayerGrid.render(map), to: png)
                var entry: [String: Any] = [
                    "index": info.index + 1, "name": info.name, "shape": [info.height, info.width, info.channels],
                    "png": "\(info.name).png",
                ]
                if npy {
                    try AtomicFile.write(
                        NPY.encode(map), to: (out as NSString).appendingPathComponent("\(info.name).npy"))
                    entry["file"] = "\(info.name).npy"
                }
                index.append(entry)
                print(png)
            }
            let json = try JSONSerialization.data(withJSONObject: index, options: [.sortedKeys, .prettyPrinted])
            try AtomicFile.write(json, to: (out as NSString).appendingPathComponent("layers.json"))
        }
    }
}
