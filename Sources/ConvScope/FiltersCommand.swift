import ArgumentParser
import ConvEngine
import Foundation
import Platform

struct FiltersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "filters",
        abstract: "Write an 8-column PNG grid of images that excite a convolution's filters most (gradient ascent from noise).")

    @OptionGroup var weightsOptions: WeightsOptions
    @Option(help: "A convolution, by name (e.g. block3_conv1) or 1-based hidden-layer index.") var layer: String
    @Option(help: "Output PNG.") var out: String
    @Option(help: "Input size in pixels, a multiple of 16.") var size = 128
    @Option(help: "Gradient-ascent steps.") var steps = 30
    @Option(help: "Step length in 0–255 pixel units.") var step: Float = 10
    @Option(help: "How many filters.") var count = 64
    @Option(help: "The first filter.") var first = 0
    @Option(help: "Seed of the starting noise.") var seed: UInt64 = 1
    @Flag(help: "Also write the raw images beside the PNG (same name, .npy): float32, count×size×size×3, RGB on the 0–255 scale, uncropped and unclipped.")
    var npy = false

    func validate() throws {
        guard count >= 1 else { throw ValidationError("--count must be at least 1") }
        guard first >= 0 else { throw ValidationError("--first must be 0 or more") }
    }

    func run() throws {
        try reportingErrors {
            let model = try weightsOptions.load()
            let settings = AscentSettings(size: size, steps: steps, stepSize: step, seed: seed)
            let ascent = try FilterAscent(model: model, layer: layer, settings: settings)
            let layer = ascent.layer.name
            let filters = ascent.layer.channels
            guard first < filters else { throw AscentError.filterOutOfRange(first, filters: filters) }
            let chosen = Array(first..<min(filters, first + count))
            let start = Date()
            let images = try ascent.run(filters: chosen, progress: { done, total in
                let elapsed = Date().timeIntervalSince(start)
                let left = elapsed / Double(done) * Double(total - done)
                FileHandle.standardError.write(Data(String(format: "\r%@: %d%% · %.0f s left   ", layer, done * 100 / total, left).utf8))
                return true
            })
            FileHandle.standardError.write(Data("\n".utf8))
            try PNGFile.write(FilterGrid.render(images), to: out)
            if npy {
                let path = ((out as NSString).deletingPathExtension as NSString).appendingPathExtension("npy")!
                try AtomicFile.write(NPY.encode(images.flatMap(\.raw), shape: [images.count, size, size, 3]), to: path)
                print(path)
            }
            let gains = images.filter { $0.startActivation > 0 }.map { Double($0.finalActivation / $0.startActivation) }.sorted()
            let dead = images.filter { !($0.startActivation > 0) }, stillDead = dead.filter { !($0.finalActivation > 0) }
            var summary = String(format: "%@ · filters %d–%d of %@ (%d×%d, %d steps) in %.1f s", out, chosen.first!, chosen.last!, layer,
                                 size, size, steps, Date().timeIntervalSince(start))
            if !gains.isEmpty { summary += String(format: "; mean activation ×%.1f (median), ×%.1f (lowest)", gains[gains.count / 2], gains[0]) }
            if !dead.isEmpty { summary += "; \(dead.count) dead on the noise, \(stillDead.isEmpty ? "all revived" : "\(stillDead.count) still dead")" }
            print(summary)
        }
    }
}
