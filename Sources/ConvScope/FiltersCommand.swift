import ArgumentParser
import ConvEngine
import Foundation
import Platform
import Raster

extension FilterMethod: ExpressibleByArgument {}
extension FeatureVisObjective: ExpressibleByArgument {}

struct FiltersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "filters",
        abstract: "Write an 8-column PNG grid of images that excite a convolution's filters most.",
        discussion: """
            --method lucid (the default) is Olah et al.'s feature visualisation (Lucid): the image optimised with \
            Adam in a decorrelated colour space and a 1/f-scaled Fourier basis, through a random jitter, scale and \
            turn each step of the first quarter, then on the image itself. --method plain is Chollet's gradient ascent \
            on the pixels. --objective neuron maximises one position (the map's centre) instead of the whole \
            channel; --objective layer maximises the whole layer, and with --image it is DeepDream: the photo \
            dreamed, written to --out. --compare-methods measures both methods on the first convolution of each \
            block (or --layer A,B,…) and prints a table: the mean activation raw, plain's clipped to 0–255 and both \
            as shown (the 8-bit images fed back), and the share of energy above half Nyquist.
            """)

    @OptionGroup var weightsOptions: WeightsOptions
    @Option(
        help: ArgumentHelp(
            "A convolution, by name (e.g. block3_conv1) or 1-based hidden-layer index; with --compare-methods "
            + "a comma-separated list."))
    var layer: String?
    @Option(help: "Output PNG (not needed with --compare-methods).") var out: String?
    @Option(help: "lucid (Olah et al. 2017) or plain (Chollet's gradient ascent).") var method = FilterMethod.lucid
    @Option(
        help: ArgumentHelp(
            "lucid only: channel (a filter's mean), neuron (its centre) or layer (the whole layer; with --image, "
            + "DeepDream)."))
    var objective = FeatureVisObjective.channel
    @Option(help: "lucid only: a photo to start from (with --objective layer: DeepDream).") var image: String?
    @Option(help: "Input size in pixels, a multiple of 16 (default: lucid 96, plain 128).") var size: Int?
    @Option(help: "Steps (default: lucid 36, plain 30).") var steps: Int?
    @Option(help: "plain only: step length in 0–255 pixel units.") var step: Float = 10
    @Option(help: "lucid only: Adam's learning rate (default 0.25; from a photo 0.02, gentler, so the photo stays).")
    var lr: Float?
    @Option(help: "How many filters.") var count = 64
    @Option(help: "The first filter.") var first = 0
    @Option(help: "Seed of the start.") var seed: UInt64 = 1
    @Flag(
        help: ArgumentHelp(
            "Also write the raw images beside the PNG (same name, .npy): float32, count×size×size×3, RGB on the "
            + "0–255 scale, uncropped (plain: unclipped)."))
    var npy = false
    @Flag(help: "Read and write the window's cache of finished images ($XDG_CACHE_HOME/convscope/filters).") var cache =
        false
    @Flag(
        help: "Measure both methods at the same size and steps: mean activation and high-frequency energy, per layer.")
    var compareMethods = false

    func validate() throws {
        guard count >= 1 else { throw ValidationError("--count must be at least 1") }
        guard first >= 0 else { throw ValidationError("--first must be 0 or more") }
        if compareMethods { return }
        guard layer != nil else { throw ValidationError("give --layer: the convolution whose filters to show") }
        guard out != nil else { throw ValidationError("give --out: the PNG to write") }
        if method == .plain {
            if objective != .channel {
                throw ValidationError("--objective is for --method lucid; plain ascent maximises a channel")
            }
            if image != nil {
                throw ValidationError("--image is for --method lucid (DeepDream: --objective layer --image PHOTO)")
            }
        }
        if image != nil && objective != .layer {
            throw ValidationError("--image starts DeepDream, which needs --objective layer")
        }
    }

    /// Adam's rate: given, or the default for a start from noise or from a photo.
    var learningRate: Float {
        lr ?? (image != nil ? FeatureVisSettings.photoLearningRate : FeatureVisSettings().learningRate)
    }

    /// The recipe the options ask for.
    var recipe: FilterRecipe {
        switch method {
        case .plain: return .plain(AscentSettings(size: size ?? 128, steps: steps ?? 30, stepSize: step, seed: seed))
        case .lucid:
            var s = FeatureVisSettings(
                size: size ?? FeatureVisSettings().size, steps: steps ?? FeatureVisSettings().steps, seed: seed,
                objective: objective)
            if image != nil { s.startFromPhoto() }
            s.learningRate = learningRate
            return .lucid(s)
        }
    }

    func run() throws {
        try reportingErrors {
            let model = try weightsOptions.load()
            if compareMethods { return try FilterComparison(options: self).run(model) }
            let maker = try recipe.maker(model: model, layer: layer!)
            let name = maker.layer.name
            let filters = maker.layer.channels
            guard first < filters else { throw AscentError.filterOutOfRange(first, filters: filters) }
            let chosen = objective == .layer ? [first] : Array(first..<min(filters, first + count))
            let start = Date()
            var photo: [UInt8]?
            if let image {
                photo = try InputImage(path: image, width: recipe.size, height: recipe.size, crop: true).networkRGB
            }
            let store = cache ? try FilterImageCache.forModel(path: weightsOptions.resolvedPath(), model: model) : nil
            let key = FilterImageCache.Key(layer: name, recipe: recipe)
            var images = photo == nil ? (store?.images(key, filters: chosen) ?? []) : []
            let missing = chosen.filter { f in !images.contains { $0.filter == f } }
            if !missing.isEmpty {
                let job: any FilterImageJob
                if let vis = maker as? FeatureVis, let photo {
                    job = try FeatureVisJob(vis, filters: missing, photo: photo)
                } else {
                    job = try maker.job(filters: missing)
                }
                while !job.isFinished {
                    let done = job.step()
                    // A cache that cannot be written is no error.
                    if photo == nil { done.forEach { try? store?.save($0, key) } }
                    images += done
                    let elapsed = Date().timeIntervalSince(start)
                    let left = elapsed / Double(job.stepsDone) * Double(job.stepsTotal - job.stepsDone)
                    FileHandle.standardError.write(
                        Data(
                            String(
                                format: "\r%@: %d%% · %.0f s left   ", name,
                                job.stepsDone * 100 / job.stepsTotal, left
                            ).utf8))
                }
                FileHandle.standardError.write(Data("\n".utf8))
            }
            images.sort { $0.filter < $1.filter }
            try write(images, photo: photo != nil)
            print(summary(images, chosen: chosen, layer: name, cached: chosen.count - missing.count, start: start))
        }
    }

    private func write(_ images: [FilterImage], photo: Bool) throws {
        let out = out!
        let s = recipe.size
        // The dream is written whole, at the size it was made.
        let dream = { RGBAImage(rgb: images[0].raw.map { UInt8(min(max($0, 0), 255).rounded()) }, width: s, height: s) }
        try PNGFile.write(photo ? dream() : FilterGrid.render(images), to: out)
        guard npy else { return }
        let path = ((out as NSString).deletingPathExtension as NSString).appendingPathExtension("npy")!
        try AtomicFile.write(NPY.encode(images.flatMap(\.raw), shape: [images.count, s, s, 3]), to: path)
        print(path)
    }

    private func summary(_ images: [FilterImage], chosen: [Int], layer: String, cached: Int, start: Date) -> String {
        let what =
            objective == .layer
            ? (image != nil ? "DeepDream of \(layer)" : "\(layer), whole layer")
            : "filters \(chosen.first!)–\(chosen.last!) of \(layer)"
        var s = String(
            format: "%@ · %@ (%@, %d×%d, %d steps) in %.1f s", out!, what, method.rawValue, recipe.size,
            recipe.size, recipe.steps, Date().timeIntervalSince(start))
        if cached > 0 { s += "; \(cached) from the cache" }
        let noun = objective == .layer ? "mean square" : objective == .neuron ? "centre activation" : "mean activation"
        let gains = images.filter { $0.startActivation > 0 }.map { Double($0.finalActivation / $0.startActivation) }
            .sorted()
        let dead = images.filter { !($0.startActivation > 0) }
        let stillDead = dead.filter { !($0.finalActivation > 0) }
        if !gains.isEmpty {
            s += String(format: "; %@ ×%.1f (median), ×%.1f (lowest)", noun, gains[gains.count / 2], gains[0])
        }
        if !dead.isEmpty {
            s +=
                "; \(dead.count) dead at the start, "
                + (stillDead.isEmpty ? "all revived" : "\(stillDead.count) still dead")
        }
        return s
    }
}
