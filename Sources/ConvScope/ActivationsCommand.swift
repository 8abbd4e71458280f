import ArgumentParser
import ConvEngine
import Foundation
import Platform

struct ActivationsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "activations",
        abstract: "Write an 8×8 PNG grid of the first 64 channel maps of each hidden layer.")

    @OptionGroup var input: ImageOptions
    @OptionGroup var weightsOptions: WeightsOptions
    @Option(help: "Output folder (created if missing).") var out: String
    @Option(name: .customLong("layer"), help: "A hidden layer (repeatable; default all 18).") var layers: [String] = []
    @Flag(help: "Also write <layer>.npy: the whole output, float32, H×W×C.") var npy = false

    func validate() throws {
        for l in layers where !Architecture.hiddenLayerNames.contains(l) { throw ValidationError(EngineError.unknownLayer(l).description) }
    }

    func run() throws {
        try reportingErrors {
            let run = try CommandLineRun(input, weightsOptions, needsClassifier: false)
            let activations = run.activations
            do { try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true) } catch {
                throw CommandLineError.outputFolder(out)
            }
            for name in layers.isEmpty ? Architecture.hiddenLayerNames : layers {
                let map = try activations.layer(named: name)
                let png = (out as NSString).appendingPathComponent("\(name).png")
                try PNGFile.write(LayerGrid.render(map), to: png)
                if npy { try AtomicFile.write(NPY.encode(map), to: (out as NSString).appendingPathComponent("\(name).npy")) }
                print(png)
            }
        }
    }
}
