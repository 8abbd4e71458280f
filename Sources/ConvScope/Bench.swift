import ArgumentParser
import ConvEngine
import Foundation

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Time the engine: medians of the hidden-layer forward pass, the full forward, Grad-CAM; peak memory.")

    @OptionGroup var weightsOptions: WeightsOptions
    @Option(help: "Timed runs per figure (after one warm-up).") var runs = 7
    @Flag(help: "Print JSON.") var json = false
    @Flag(
        help:
            "With backbone-only weights, attach a synthetic classifier (random-hash fc layers) so the classifier and Grad-CAM can be timed."
    )
    var syntheticClassifier = false
    @Flag(help: "Time filter images instead: 64 filters of each --filter-layer by --filter-method at its defaults.")
    var filters = false
    @Option(help: "Convolutions for --filters, comma-separated.") var filterLayers =
        "block1_conv1,block3_conv1,block5_conv1"
    @Option(
        help: ArgumentHelp(
            "The method --filters times at its defaults: plain (128×128, 30 steps; what Benchmarks/peers.py "
                + "compares with Keras) or lucid (96×96, 36 steps)."))
    var filterMethod = FilterMethod.plain
    @Option(help: "The memory the filter images' buffers may take for --filters, in MiB (the makers' default: 256).")
    var filterMemory = 256
    @Option(
        help:
            "Time on this photo (resized to the input size) instead of uniform noise. The classifier reads only the fc1 rows under non-zero activations, so the input matters."
    )
    var image: String?
    @Option(
        help: ArgumentHelp(
            "Also time these explanation methods (comma-separated, or all), each a median of --runs "
                + "(Score-CAM and Ablation-CAM: of --slow-runs) of forward pass + method, at --layer."))
    var methods: String?
    @Option(help: "Timed runs of Score-CAM and Ablation-CAM, figures of seconds: the median, the first run cold.")
    var slowRuns = 1
    @Option(help: "Layer for --methods (default: the last convolution).") var layer: String?
    @Option(help: "Also time Score-CAM on only the N channels with the largest mean activation.") var scoreCamTop: Int?
    @Flag(help: "Also time the scoreboard: every method's map with deletion and insertion at 20 steps each.")
    var scoreboard = false

    func validate() throws {
        if let n = scoreCamTop, n < 1 { throw ValidationError("--score-cam-top must be at least 1") }
        if runs < 1 { throw ValidationError("--runs must be at least 1") }
        if filterMemory < 1 { throw ValidationError("--filter-memory must be at least 1 (MiB)") }
        if slowRuns < 1 { throw ValidationError("--slow-runs must be at least 1") }
        if let m = methods { _ = try ExplainMethod.list(m, scoreCamTop: nil) }
    }

    func run() throws {
        try reportingErrors {
            let loadStart = Date()
            var model = try weightsOptions.load()
            let loadSeconds = Date().timeIntervalSince(loadStart)
            if filters { return try benchFilters(model) }
            var classifierNote = model.hasClassifier ? "loaded" : "none"
            if !model.hasClassifier && syntheticClassifier {
                model = try SyntheticClassifier.attach(
                    to: model, scales: .init(fc1: -9, fc2: -5, predictions: -4, bias: -4))
                classifierNote = "synthetic"
            }
            let runner = Runner(model: model)
            let (w, h) = (model.input.width, model.input.height)
            var rng = SystemRandomNumberGenerator()
            let rgb =
                try image.map { try InputImage(path: $0, width: w, height: h, crop: false).networkRGB }
                ?? (0..<(w * h * 3)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let input = runner.preprocess(rgb: rgb)
            // The hidden layers alone: the model up to its last hidden layer.
            let hiddenOnly = Runner(
                model: try model.truncated(through: model.hiddenLayers.last!.last, input: model.input))

            let hidden = try median(runs) { _ = try hiddenOnly.forward(input) }
            var results: [(String, Double)] = [("forward_hidden_s", hidden)]
            if model.hasClassifier {
                let full = try median(runs) { _ = try runner.classify(try runner.forward(input)) }
                let cam = try median(runs) {
                    let a = try runner.forward(input)
                    _ = try runner.gradCAM(a, classification: try runner.classify(a))
                }
                results += [("forward_full_s", full), ("gradcam_s", cam)]
                results += try streamedAgainstHeld(runner, input)
                results += try explanations(runner, input)
            }
            results += [("weights_load_s", loadSeconds), ("peak_rss_mb", Double(peakRSSKiB()) / 1024)]
            if json {
                var object: [String: Any] = Dictionary(uniqueKeysWithValues: results.map { ($0.0, $0.1) })
                object["runs"] = runs
                object["classifier"] = classifierNote
                object["weights"] = model.sourceName
                object["model"] = model.name
                object["hidden_layers"] = model.hiddenLayers.count
                object["blas_core"] = BLASKernel.coreName
                object["input"] = image ?? "uniform noise"
                let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
                print(String(decoding: data, as: UTF8.self))
            } else {
                print(
                    "\(model.name) from \(model.sourceName), \(model.hiddenLayers.count) hidden layers (classifier: \(classifierNote)), OpenBLAS core \(BLASKernel.coreName), \(runs) runs, medians:"
                )
                for (k, v) in results { print(String(format: "  %-18@ %.4f", k, v)) }
            }
        }
    }

    /// `--methods`, `--score-cam-top` and `--scoreboard`: each from the preprocessed input, forward pass included.
    private func explanations(_ runner: Runner, _ input: FeatureMap) throws -> [(String, Double)] {
        var out: [(String, Double)] = []
        func time(_ m: ExplainMethod, runs: Int, warmUp: Bool = true) throws -> Double {
            try median(runs, warmUp: warmUp) {
                let a = try ExplainMethod.forward([m], runner, input, layer: layer)
                let c = m.needsClassifier ? try runner.classify(a) : nil
                _ = try m.run(runner, a, classification: c, layer: layer, classIndex: nil, score: .logit)
            }
        }
        let names =
            methods.map { $0.lowercased() == "all" ? ExplainMethod.names : $0.split(separator: ",").map(String.init) }
            ?? []
        for name in names {
            guard let m = ExplainMethod(name, scoreCamTop: nil) else { throw ValidationError("unknown method \(name)") }
            let slow = name == "scorecam" || name == "ablationcam"
            out.append(("explain_\(name)_s", try time(m, runs: slow ? slowRuns : runs, warmUp: !slow)))
            FileHandle.standardError.write(Data(String(format: "%@: %.3f s\n", name, out.last!.1).utf8))
        }
        if let n = scoreCamTop, let m = ExplainMethod("scorecam", scoreCamTop: n) {
            out.append(("explain_scorecam_top\(n)_s", try time(m, runs: slowRuns, warmUp: false)))
        }
        if scoreboard {
            let t = DispatchTime.now().uptimeNanoseconds
            var first = 0.0
            let a = try runner.forward(input)
            let c = try runner.classify(a)
            let k = c.top(1)[0].index
            for name in ExplainMethod.names {
                let map = try ExplainMethod(name, scoreCamTop: nil)!.run(
                    runner, a, classification: c, layer: layer, classIndex: k,
                    score: .logit)
                let full =
                    map.height == input.height && map.width == input.width
                    ? map.display
                    : CAMMethods.upsampled(
                        map.display, height: map.height, width: map.width, to: input.height, input.width)
                _ = try runner.faithfulness(input: input, map: full, classIndex: k)
                if first == 0 { first = Double(DispatchTime.now().uptimeNanoseconds - t) / 1e9 }
            }
            out.append(("scoreboard_all_s", Double(DispatchTime.now().uptimeNanoseconds - t) / 1e9))
            out.append(("scoreboard_first_row_s", first))
        }
        return out
    }

    /// One timed run per layer (each takes seconds to minutes), after a one-step warm-up.
    private func benchFilters(_ model: Model) throws {
        let recipe: FilterRecipe = filterMethod == .lucid ? .lucid(FeatureVisSettings()) : .plain(AscentSettings())
        var settings: [String: Any] = [
            "method": filterMethod.rawValue, "size": recipe.size, "steps": recipe.steps, "count": 64,
        ]
        switch recipe {
        case .plain(let s): settings["step"] = Double(s.stepSize)
        case .lucid(let s): settings["learning_rate"] = Double(s.learningRate)
        }
        var object: [String: Any] = [
            "filter_settings": settings, "weights": model.sourceName, "blas_core": BLASKernel.coreName,
        ]
        for layer in filterLayers.split(separator: ",").map(String.init) {
            // Warm-up: one step of one image (its buffers gone before the maker's come).
            _ = try FilterAscent(
                model: model, layer: layer, settings: AscentSettings(steps: 1), memoryBudget: 1, cores: 1
            ).run(filters: [0])
            let maker = try recipe.maker(model: model, layer: layer, memoryBudget: filterMemory << 18)
            let t = DispatchTime.now().uptimeNanoseconds
            let job = try maker.job(filters: Array(0..<64))
            var images: [FilterImage] = []
            while !job.isFinished { images += job.step() }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - t) / 1e9
            let alive = images.filter { $0.startActivation > 0 }
            object["filters_\(layer)_s"] = seconds
            object["filters_\(layer)_batch"] = maker.batchSize
            object["filters_\(layer)_fivefold"] =
                Double(alive.filter { $0.finalActivation >= 5 * $0.startActivation }.count)
                / Double(max(1, alive.count))
            object["filters_\(layer)_dead_revived"] =
                "\(images.filter { !($0.startActivation > 0) && $0.finalActivation > 0 }.count)/\(images.count - alive.count)"
            FileHandle.standardError.write(
                Data(String(format: "%@: 64 filters (%@) in %.1f s\n", layer, filterMethod.rawValue, seconds).utf8))
        }
        object["peak_rss_mb"] = Double(peakRSSKiB()) / 1024
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }

    /// The forward pass with the classifier, the dense kernels held and streamed as the window streams them
    /// (`DenseKernelStreaming`: read 16 MiB at a time from the model cache entry, each chunk let go after it), the two
    /// alternated run by run so both see the same machine: medians and their ratio. Where the kernels are not read in
    /// place (no model cache entry) both are held.
    private func streamedAgainstHeld(_ runner: Runner, _ input: FeatureMap) throws -> [(String, Double)] {
        func seconds(_ body: () throws -> Void) rethrows -> Double {
            let t = DispatchTime.now().uptimeNanoseconds
            try body()
            return Double(DispatchTime.now().uptimeNanoseconds - t) / 1e9
        }
        let pass = { _ = try runner.classify(try runner.forward(input)) }
        var held: [Double] = []
        var streamed: [Double] = []
        for _ in 0..<runs {  // each switch followed by an untimed pass (the first held one reads the kernels back)
            try pass()
            held.append(try seconds(pass))
            try withExtendedLifetime(DenseKernelStreaming(runner.model)) {
                try pass()
                streamed.append(try seconds(pass))
            }
        }
        try pass()  // the kernels read back whole, as the figures after these expect them
        let h = Self.median(held)
        let s = Self.median(streamed)
        let mapped = runner.model.denseKernelsReadInPlace
        return [
            ("forward_full_held_s", h), ("forward_full_streamed_s", s), ("streamed_over_held", s / h),
            ("dense_kernels_in_place", mapped ? 1 : 0),
        ]
    }

    /// The median of `runs` timed calls, after one untimed call if `warmUp`.
    private func median(_ runs: Int, warmUp: Bool = true, _ body: () throws -> Void) throws -> Double {
        if warmUp && runs > 0 { try body() }
        var times: [Double] = []
        for _ in 0..<max(1, runs) {
            let t = DispatchTime.now().uptimeNanoseconds
            try body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - t) / 1e9)
        }
        return Self.median(times)
    }

    /// The middle value (the mean of the two middle ones for an even count); `times` not empty.
    static func median(_ times: [Double]) -> Double {
        let t = times.sorted()
        return t.count % 2 == 1 ? t[t.count / 2] : (t[t.count / 2 - 1] + t[t.count / 2]) / 2
    }
}

/// The process's peak resident set (VmHWM), in KiB.
func peakRSSKiB() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        return Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
    }
    return 0
}
