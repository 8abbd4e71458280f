import ArgumentParser
import ConvEngine
import Foundation

struct IndexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Find, for every channel, the images of a folder that excite it most (kept in a cache; run it again "
            + "to go on after Ctrl+C or to take in new and changed files).",
        discussion: "The index is kept in $XDG_CACHE_HOME/convscope/index/<SHA-256 of the weights>/ (default "
            + "~/.cache). Files that are not usable images are skipped and named once each; the run goes on.")

    @Argument(help: "The folder of images (subfolders too).") var folder: String
    @OptionGroup var weightsOptions: WeightsOptions
    @Option(help: "Hidden layers: comma-separated names or 1-based numbers, or all (default: every convolution).")
    var layers: String?
    @Option(help: "Images kept per channel.") var top = 9
    @Flag(help: "Centre-crop to the input's aspect before resizing (default: squash the whole image, as the window).")
    var crop = false
    @Option(help: "After indexing, print a channel's top images: LAYER:CHANNEL, or LAYER for all its channels.")
    var show: [String] = []
    @Flag(help: "Print the summary (and --show) as JSON.") var json = false
    @Option(help: .hidden) var stopAfter: Int?
    @Option(help: .hidden) var batch = 8
    @Option(help: .hidden) var decoders = 2

    func validate() throws {
        guard (1...1000).contains(top) else { throw ValidationError("--top must be 1…1000") }
        guard (1...64).contains(batch), (1...8).contains(decoders) else {
            throw ValidationError("--batch 1…64, --decoders 1…8")
        }
        if let s = stopAfter, s < 0 { throw ValidationError("--stop-after must not be negative") }
    }

    func run() throws {
        let interrupt = InterruptFlag(
            message: "stopping after this batch and saving the index (Ctrl+C again to quit at once)")
        interrupt.install()
        var stoppedEarly = false
        try reportingErrors {
            _ = try FolderScan(folder)   // a wrong folder is said before the model loads
            let weightsPath = try weightsOptions.resolvedPath()
            let model = try Self.convolutionalPart(of: weightsOptions.load())
            let sha = try ModelDigest.sha256(ofFile: weightsPath)
            let chosen = try chosenLayers(model)
            let indexer = ChannelIndexer(model: model, modelSHA256: sha, folder: folder, layers: chosen, top: top,
                                         crop: crop)
            indexer.batch = batch
            indexer.decoders = decoders
            let bar = IndexProgressBar()
            indexer.onSkip = { path, reason in bar.say("skipped \(path): \(reason)") }
            indexer.onNotice = { bar.say("convscope: \($0)") }
            let summary = try indexer.run { p in
                if p.done == 0 && p.currentFile.isEmpty {
                    bar.say("indexing \(p.total) files of \(indexer.settings.folder) "
                            + "(\(p.reused) unchanged since the last run)")
                }
                bar.update(p)
                if let s = stopAfter, p.done >= s { return false }
                return !interrupt.isRaised
            }
            bar.finish()
            try report(summary, model: model)
            stoppedEarly = summary.stopped
        }
        if stoppedEarly { throw ExitCode(130) }
    }

    /// The model up to its last hidden layer: an index needs no classifier, and VGG16's holds 480 MB.
    static func convolutionalPart(of model: Model) throws -> Model {
        guard let last = model.hiddenLayers.last else { throw IndexCommandError.noHiddenLayers(model.sourceName) }
        return last.last == model.layers.count - 1 ? model : try model.truncated(through: last.last, input: model.input)
    }

    private func chosenLayers(_ model: Model) throws -> [LayerInfo] {
        guard let spec = layers else { return model.hiddenLayers.filter(\.isConv) }
        if spec == "all" { return model.hiddenLayers }
        var seen = Set<Int>()
        return try spec.split(separator: ",")
            .map { try model.hiddenLayer(String($0).trimmingCharacters(in: .whitespaces)) }
            .filter { seen.insert($0.index).inserted }
            .sorted { $0.index < $1.index }
    }

    private func report(_ s: IndexRunSummary, model: Model) throws {
        let shown = try showRequests(s.index)
        let settings = s.index.settings
        if json {
            var object: [String: Any] = [
                "folder": settings.folder, "index": s.file, "model": settings.modelName,
                "modelSHA256": settings.modelSHA256, "indexed": s.indexed, "reused": s.reused,
                "images": s.index.indexedCount, "stopped": s.stopped, "seconds": s.seconds,
                "imagesPerSecond": s.imagesPerSecond,
                "networkImagesPerSecond": s.networkImagesPerSecond, "top": settings.top,
                "layers": settings.layers.map(\.name),
                "skipped": s.skipped.map { ["path": $0.path, "reason": $0.reason] },
            ]
            object["show"] = try shown.map { layer, channel in
                [
                    "layer": layer, "channel": channel,
                    "exact": s.index.isExact(layer: settings.layers.firstIndex { $0.name == layer }!, channel: channel),
                    "entries": try s.index.top(layer: layer, channel: channel).map(Self.json),
                ] as [String: Any]
            }
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted])
            print(String(decoding: data, as: UTF8.self))
        } else {
            let speed = s.indexed > 0 ? String(format: " (%.1f images/s)", s.imagesPerSecond) : ""
            let verb = s.stopped ? "stopped after indexing" : "indexed"
            print("\(verb) \(s.indexed) images in \(String(format: "%.1f", s.seconds)) s\(speed), \(s.reused) "
                  + "unchanged, \(s.skipped.count) skipped; \(s.index.indexedCount) images, \(settings.layers.count) "
                  + "layers, top \(settings.top) per channel in \(s.file)")
            for (layer, channel) in shown {
                print("\(layer):\(channel)")
                for e in try s.index.top(layer: layer, channel: channel) {
                    print(String(format: "  %2d. %10.4f  ", e.rank, e.value) + e.relativePath
                          + "  at y \(e.y), x \(e.x) · \(e.box) of \(e.imageWidth)×\(e.imageHeight)")
                }
            }
        }
        if s.stopped {
            FileHandle.standardError.write(Data(("convscope: stopped; the index is saved with \(s.index.indexedCount) "
                + "images: run the same command to go on\n").utf8))
        }
    }

    /// (layer, channel) pairs `--show` asks for.
    private func showRequests(_ index: ChannelIndex) throws -> [(String, Int)] {
        try show.flatMap { spec -> [(String, Int)] in
            let parts = spec.split(separator: ":", maxSplits: 1).map(String.init)
            guard let l = index.settings.layers.first(where: { $0.name == parts.first }) else {
                throw IndexError.unknownLayer(parts.first ?? spec, indexed: index.layerNames)
            }
            guard parts.count == 2 else { return (0..<l.channels).map { (l.name, $0) } }
            guard let c = Int(parts[1]), (0..<l.channels).contains(c) else {
                throw IndexError.channelOutOfRange(layer: l.name, channel: Int(parts[1]) ?? -1, channels: l.channels)
            }
            return [(l.name, c)]
        }
    }

    static func json(_ e: IndexEntry) -> [String: Any] {
        func box(_ b: PixelBox) -> [Int] { [b.x, b.y, b.width, b.height] }
        return ["rank": e.rank, "path": e.path, "relativePath": e.relativePath, "value": Double(e.value), "y": e.y,
                "x": e.x, "box": box(e.box), "inputBox": box(e.inputBox), "imageWidth": e.imageWidth,
                "imageHeight": e.imageHeight]
    }
}

enum IndexCommandError: Error, CustomStringConvertible {
    case noHiddenLayers(String)
    var description: String {
        switch self {
        case .noHiddenLayers(let m):
            return "\(m) has no convolution or pooling layers, so there are no channels to index"
        }
    }
}
