import ConvEngine
import Foundation
import Platform

/// Where an indexing run is: files done of those to do this run, the file just done, the speed, the time left.
struct IndexProgress {
    let done: Int
    let total: Int
    /// Files already indexed and unchanged (not counted in `total`).
    let reused: Int
    let currentFile: String
    let imagesPerSecond: Double
    /// Nil until the speed is known.
    let secondsLeft: Double?
}

/// What an indexing run did.
struct IndexRunSummary {
    let index: ChannelIndex
    let file: String
    /// Images run through the network this time, files already indexed and unchanged, files skipped (path, reason).
    let indexed: Int
    let reused: Int
    let skipped: [(path: String, reason: String)]
    /// The run stopped early (cancelled by the progress callback); the index holds what was done.
    let stopped: Bool
    let seconds: Double
    /// Images indexed per second, from the first image decoded to the last through the network (0 when none were).
    let imagesPerSecond: Double
    /// The same per second spent in the network and the channel scan alone (decoding runs beside it).
    let networkImagesPerSecond: Double
}

/// Indexes a folder for a model: finds its images (subfolders too, sorted), runs those not yet indexed or changed
/// since through the network as far as the deepest chosen layer, and keeps each channel's strongest images in a
/// `ChannelIndex` saved under `IndexLocation` — every `checkpointSeconds`, at the end, and when stopped — so a
/// stopped run goes on where it stopped. Files that are not usable images are skipped and named once each.
/// Use from one thread (the window's engine queue, or the command line); it blocks until done or stopped.
final class ChannelIndexer {
    let model: Model
    let settings: IndexSettings
    let file: String
    let root: String
    var batch = 8
    var decoders = 2
    var checkpointSeconds = 20.0
    /// A file that was skipped, and why (once per file per run).
    var onSkip: (String, String) -> Void = { _, _ in }
    /// Something worth saying that is not an error: an index refused and rebuilt, files that went.
    var onNotice: (String) -> Void = { _ in }

    /// `layers`: hidden layers of `model` (default: every convolution); `top`: images per channel.
    init(model: Model, modelSHA256: String, folder: String, layers: [LayerInfo]? = nil, top: Int = 9,
         crop: Bool = false, root: String = IndexLocation.root()) {
        self.model = model
        let canonical = IndexLocation.canonicalFolder(folder)
        settings = IndexSettings(model: model, modelSHA256: modelSHA256, folder: canonical, crop: crop, top: top,
                                 layers: layers ?? model.hiddenLayers.filter(\.isConv))
        file = IndexLocation.file(modelSHA256: modelSHA256, folder: canonical, root: root)
        self.root = root
    }

    /// Indexes the folder. `progress` is called after each batch and each skipped file; returning false stops the run
    /// after saving what is done. Throws when the folder cannot be read or the index cannot be saved.
    func run(progress: (IndexProgress) -> Bool = { _ in true }) throws -> IndexRunSummary {
        let start = Date()
        let scan = try FolderScan(settings.folder)
        var index = existingIndex()
        var skipped: [(path: String, reason: String)] = []
        func skip(_ path: String, _ reason: String) {
            skipped.append((path, reason))
            onSkip(path, reason)
        }
        for other in scan.others { skip(other.path, "is a \(other.kind), not an image file") }

        // What is indexed and unchanged stays; what changed or went leaves the index first.
        var plan = plan(scan, &index)
        if index.inexactChannels > 0 {
            onNotice("\(index.inexactChannels) channels lost more of their images to changed files than the index "
                     + "keeps in reserve: indexing the folder again from the start")
            index = ChannelIndex(settings: settings)
            plan = self.plan(scan, &index)
        }

        var done = 0, networkImages = 0, networkSeconds = 0.0, indexingSeconds = 0.0, stopped = false
        if !plan.toRun.isEmpty {
            let scanner = try ChannelScanner(model: model, layers: chosenLayers(index.settings), batch: batch)
            let prefetcher = ImagePrefetcher(files: plan.toRun, folder: settings.folder, input: model.input,
                                             preprocessing: model.preprocessing, crop: settings.crop,
                                             workers: decoders, depth: 2 * batch)
            defer { prefetcher.stop() }
            var lastSave = Date(), runStart = Date()
            var pending: [(file: FolderScan.File, input: [Float], width: Int, height: Int)] = []
            func report(_ name: String) -> Bool {
                let elapsed = Date().timeIntervalSince(runStart)
                let rate = networkImages > 0 && elapsed > 0 ? Double(done) / elapsed : 0
                return progress(IndexProgress(done: done, total: plan.toRun.count, reused: plan.reused,
                                              currentFile: name, imagesPerSecond: rate,
                                              secondsLeft: rate > 0 ? Double(plan.toRun.count - done) / rate : nil))
            }
            func flush() {
                guard !pending.isEmpty else { return }
                let t = Date()
                let inputs = pending.flatMap(\.input)
                let maxima = scanner.scan(inputs, count: pending.count)
                for (p, m) in zip(pending, maxima) {
                    index.add(path: p.file.path, size: p.file.size, modified: p.file.modified, width: p.width,
                              height: p.height, maxima: m)
                }
                networkSeconds += Date().timeIntervalSince(t)
                networkImages += pending.count
                done += pending.count
                pending = []
            }
            if !report("") { stopped = true }
            while !stopped, let prepared = prefetcher.next() {
                switch prepared.outcome {
                case .success(let r):
                    if networkImages == 0 && pending.isEmpty { runStart = Date() }
                    pending.append((prepared.file, r.input, r.width, r.height))
                    if pending.count == batch {
                        flush()
                        if !report(prepared.file.path) { stopped = true }
                    }
                case .failure(let error):
                    let reason = Self.reason(error, file: prepared.file.path)
                    index.skip(path: prepared.file.path, size: prepared.file.size, modified: prepared.file.modified,
                               reason: reason)
                    skip(prepared.file.path, reason)
                    done += 1
                    if !report(prepared.file.path) { stopped = true }
                }
                if Date().timeIntervalSince(lastSave) >= checkpointSeconds {
                    flush()
                    try save(index)
                    lastSave = Date()
                }
            }
            flush()
            indexingSeconds = Date().timeIntervalSince(runStart)
            _ = stopped ? true : report("")
        }
        try save(index)
        return IndexRunSummary(index: index, file: file, indexed: networkImages, reused: plan.reused,
                               skipped: skipped, stopped: stopped, seconds: Date().timeIntervalSince(start),
                               imagesPerSecond: indexingSeconds > 0 ? Double(networkImages) / indexingSeconds : 0,
                               networkImagesPerSecond: networkSeconds > 0 ? Double(networkImages) / networkSeconds : 0)
    }

    /// The saved index when it can answer for these settings; else a fresh one (saying why the saved one is not used).
    private func existingIndex() -> ChannelIndex {
        do {
            guard let saved = try ChannelIndex.load(for: settings.modelSHA256, folder: settings.folder, root: root)
            else {
                return ChannelIndex(settings: settings)
            }
            if let why = saved.settings.mismatch(answering: settings) {
                onNotice("the saved index is not used (\(why)): indexing the folder again")
                return ChannelIndex(settings: settings)
            }
            return saved
        } catch {
            onNotice("the saved index is not used: \(error); indexing the folder again")
            return ChannelIndex(settings: settings)
        }
    }

    private struct Plan {
        var toRun: [FolderScan.File] = []
        var reused = 0
    }

    /// Files to run (new, changed, or skipped last time: a file that could not be read may be readable now) and files
    /// reused; forgets changed and gone files.
    private func plan(_ scan: FolderScan, _ index: inout ChannelIndex) -> Plan {
        var plan = Plan()
        var present = Set<String>(), changed: [String] = []
        for f in scan.files {
            present.insert(f.path)
            guard let known = index.image(f.path) else { plan.toRun.append(f); continue }
            guard known.matches(size: f.size, modified: f.modified) else {
                changed.append(f.path)
                plan.toRun.append(f)
                continue
            }
            if known.state == .indexed { plan.reused += 1 } else { plan.toRun.append(f) }
        }
        let gone = index.images.filter { $0.state != .gone && !present.contains($0.path) }.map(\.path)
        if !gone.isEmpty { onNotice("\(gone.count) files indexed before are no longer in the folder; left out") }
        index.forget(changed + gone)
        return plan
    }

    /// The hidden layers of the model an index covers (all of them: a saved index may cover more than asked for).
    private func chosenLayers(_ s: IndexSettings) throws -> [LayerInfo] {
        try s.layers.map { try model.hiddenLayer($0.name) }
    }

    private func save(_ index: ChannelIndex) throws {
        try FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try AtomicFile.write(Data(index.encoded()), to: file)
    }

    /// The error's text without the file name it starts with (the caller names the file itself).
    static func reason(_ error: Error, file: String) -> String {
        let text = "\(error)"
        let name = (file as NSString).lastPathComponent
        for prefix in [file + ": ", name + ": "] where text.hasPrefix(prefix) {
            return String(text.dropFirst(prefix.count))
        }
        return text
    }
}
