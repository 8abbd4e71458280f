import ConvEngine
import Foundation
import ImmediateUI
import Platform

/// The window's application: turns drops, keys and engine results into state, and state into panels each frame.
final class ConvScopeApp {
    var state = AppState()
    let worker = EngineWorker()
    let exporter: Exporter
    let images = PanelImages()
    let download = WeightsDownload()
    var quit = false
    var frameSeconds: [Double] = []
    var busyFrameSeconds: [Double] = []
    private var droppedThisDrag: [String] = []
    private var loggedLayer = -1
    private var loggedFilters = false
    private let log: (String) -> Void

    init(exportFolder: String, crop: Bool, log: @escaping (String) -> Void) {
        exporter = Exporter(folder: exportFolder)
        state.crop = crop
        self.log = log
        images.state = { [unowned self] in self.state }
    }

    /// The window shows a finished analysis: layers and classes, and the Grad-CAM when the weights have a classifier.
    var showsCompleteAnalysis: Bool {
        guard let a = state.analysis, state.pendingImage == nil, state.busy == nil else { return false }
        return a.classification == nil || state.cam != nil
    }

    // MARK: requests

    func loadWeights(_ path: String) {
        state.busy = "Loading weights \((path as NSString).lastPathComponent)…"
        state.busySince = Date()
        worker.loadWeights(path: path)
    }

    func open(image path: String) {
        state.imageGeneration += 1
        state.pendingImage = path
        state.busy = "Analysing \((path as NSString).lastPathComponent)…"
        state.busySince = Date()
        var request = state.camRequest
        request.classIndex = nil          // a new image: explain its own top class
        state.camRequest = request
        worker.analyse(path: path, crop: state.crop, generation: state.imageGeneration, cam: request)
    }

    func requestCAM(_ change: (inout CAMRequest) -> Void) {
        change(&state.camRequest)
        guard let a = state.analysis, a.classification != nil else { return }
        state.busy = "Computing Grad-CAM…"
        state.busySince = Date()
        worker.gradCAM(state.camRequest, imageGeneration: a.generation)
    }

    /// Exports under the current image's name, or under `stem` (filter images do not depend on the image).
    func export(_ jobs: [Exporter.Job], stem: String? = nil) {
        guard !jobs.isEmpty, let name = stem ?? state.analysis.map({ ($0.image.name as NSString).deletingPathExtension }) else { return }
        state.exportProgress = (0, jobs.count)
        exporter.export(jobs, stem: name)
    }

    /// Asks the engine for the filter images the Filters view shows and does not have yet; cancels what it no longer
    /// shows. Called every frame: it only talks to the engine when what is needed changes.
    func requestFiltersIfNeeded() {
        func cancel() {
            if state.filtersRequested != nil { worker.cancelFilters(); state.filtersRequested = nil; state.filterProgress = nil }
        }
        guard state.showFilters, let key = state.filterKey, state.filterError?.key != key else { return cancel() }
        let missing = state.filterCache[key, default: FilterSet()].missing(page: state.channelPage, channels: state.layer.channels)
        if let r = state.filtersRequested, r.key == key, Set(missing).isSubset(of: r.filters) { return }
        if missing.isEmpty { return cancel() }
        state.filtersRequested = (key, missing)
        state.filterProgress = FilterProgress(key: key, filters: missing, stepsTotal: 1)
        worker.filters(key, missing)
    }

    func exportAll() {
        guard let a = state.analysis else { return }
        var jobs = [PanelExports.input(a)]
        jobs += (0..<state.hiddenLayers.count).map { PanelExports.grid(a, layer: $0, page: 0) }
        if let c = state.cam { jobs += [PanelExports.camOverlay(a, c, opacity: state.camOpacity), PanelExports.heatmap(c)] }
        export(jobs)
    }

    // MARK: events

    func handle(_ events: [PlatformEvent]) {
        for e in events {
            switch e {
            case .quit: quit = true
            case .dropBegin: droppedThisDrag = []
            case .dropFile(let path): droppedThisDrag.append(path)
            case .dropComplete: takeDrop(droppedThisDrag); droppedThisDrag = []
            case .windowResized: break
            }
        }
    }

    /// Weights files load weights; the last image is analysed; anything else is named in the status bar.
    func takeDrop(_ paths: [String]) {
        guard !paths.isEmpty else { return }
        var problems: [String] = []
        var weights: String?, image: String?
        for p in paths {
            switch DroppedFile.classify(p) {
            case .weights: weights = p
            case .image: image = p
            case .problem(let why): problems.append(why)
            }
        }
        if let w = weights { loadWeights(w) }
        if let i = image { open(image: i) }
        let images = paths.filter { if case .image = DroppedFile.classify($0) { return true } else { return false } }.count
        if images > 1 {
            state.setStatus("\(paths.count) files dropped: showing the last image, \((image! as NSString).lastPathComponent). Drop one image at a time to look at each.")
        } else if let first = problems.first {
            let more = problems.count > 1 ? " (and \(problems.count - 1) more file(s) that are not images)" : ""
            state.setStatus(first + more + (state.analysis != nil ? "; the current view is kept." : "."), error: true)
            log("error: \(first)")
        }
    }

    /// Takes what the engine and the exporter finished since the last frame.
    func pump() {
        for e in worker.events.drain() {
            switch e {
            case .weightsLoaded(let info, let seconds):
                let previous = state.layer.name
                state.weights = info
                state.weightsError = nil
                state.camRequest.layer = nil
                state.cam = nil
                if let a = state.analysis, a.activations.hidden != info.hiddenLayers {
                    state.analysis = nil      // another network: its maps no longer match; the image is analysed again below
                    state.pendingImage = a.path
                    state.enlargedChannel = nil
                    state.enlargedFilter = nil
                    let names = info.hiddenLayers.map(\.name)
                    state.selectLayer(names.firstIndex(of: previous) ?? names.firstIndex(of: "block3_conv2") ?? names.count / 2)
                    open(image: a.path)
                }
                state.busy = nil
                state.setStatus(String(format: "Loaded %@ (%@) in %.2f s.", info.name, info.kind, seconds))
                log("weights: \(info.name) (\(info.kind))")
                if state.awaitingWeights, let pending = state.pendingImage {
                    state.awaitingWeights = false
                    open(image: pending)
                } else if let a = state.analysis, state.pendingImage == nil {
                    open(image: a.path)      // new weights: look at the same image through them
                }
            case .weightsFailed(let message):
                state.weightsError = message
                state.busy = nil
                state.setStatus(message + (state.weights != nil ? "; keeping \(state.weights!.name)." : ""), error: true)
                log("error: \(message)")
            case .noWeightsFound:
                state.busy = nil
                state.noWeightsFound = true
                state.awaitingWeights = true
                state.setStatus("No model found: download VGG16 (middle pane) or drop a .h5 / .keras / .onnx / .safetensors file onto the window.", error: true)
                log("weights: none found")
            case .working(let text, let generation):
                if generation == state.imageGeneration { state.busy = text }
            case .analysed(let a):
                guard a.generation == state.imageGeneration else { continue }   // a newer image was asked for
                if state.analysis?.image.name != a.image.name { state.enlargedChannel = nil }
                state.analysis = a
                state.cam = nil
                state.pendingImage = nil
                state.busy = a.classification != nil ? "Computing Grad-CAM…" : nil
                state.setStatus(String(format: "Analysed %@ (%d×%d): %d layers%@ in %.2f s.", a.image.name, a.image.original.width,
                                       a.image.original.height, a.activations.hidden.count, a.classification != nil ? " and classes" : "",
                                       a.seconds))
                log(String(format: "analysed: %@ in %.3f s", a.image.name, a.seconds))
            case .analysisFailed(let message, let generation):
                guard generation == state.imageGeneration else { continue }
                if state.weights == nil { state.busy = nil; state.awaitingWeights = true; continue }   // again once weights arrive
                state.pendingImage = nil
                state.busy = nil
                state.setStatus(message + (state.analysis != nil ? "; the current view is kept." : ""), error: true)
                log("error: \(message)")
            case .cam(let c):
                guard c.imageGeneration == state.analysis?.generation else { continue }
                state.cam = c
                if state.busy?.hasPrefix("Computing Grad-CAM") == true { state.busy = nil }
                log(String(format: "gradcam: %@ class %d in %.3f s", c.result.layer.name, c.result.classIndex, c.seconds))
            case .camFailed(let message, _):
                state.busy = nil
                state.setStatus(message, error: true)
            case .filterProgress(let p):
                guard p.key == state.filtersRequested?.key else { continue }
                state.filterProgress = p.stepsDone < p.stepsTotal ? p : nil
            case .filterImages(let key, let images):
                for image in images { state.filterCache[key, default: FilterSet()].images[image.filter] = image }
                let page = images[0].filter / 64
                if state.filterCache[key]!.missing(page: page, channels: state.hiddenLayers.first { $0.name == key.layer }?.channels ?? 0).isEmpty {
                    log("filters: \(key.layer) page \(page) complete (\(key.settings.size) px, \(key.settings.steps) steps)")
                }
            case .filtersFailed(let key, let message):
                state.filterError = (key, message)
                state.filterProgress = nil
                state.filtersRequested = nil
                state.setStatus("Filter images for \(key.layer): \(message)", error: true)
                log("error: \(message)")
            }
        }
        for e in download.events.drain() {
            switch e {
            case .progress(let text, let fraction): state.download = (text, fraction)
            case .finished(let path):
                state.download = nil
                state.noWeightsFound = false
                log("downloaded: \(path)")
                loadWeights(path)
            case .failed(let message):
                state.download = nil
                state.setStatus(message, error: true)
                log("error: \(message)")
            }
        }
        for e in exporter.events.drain() {
            switch e {
            case .progress(let done, let total): state.exportProgress = (done, total)
            case .written(let paths):
                state.exportProgress = nil
                let folder = (paths.first.map { ($0 as NSString).deletingLastPathComponent }) ?? exporter.folder
                state.setStatus(paths.count == 1 ? "Exported \(paths[0])" : "Exported \(paths.count) PNG files to \(folder)")
                for p in paths { log("exported: \(p)") }
            case .failed(let message):
                state.exportProgress = nil
                state.setStatus("Export failed: \(message)", error: true)
                log("error: export failed: \(message)")
            }
        }
    }

    /// Logs each layer the view moves to (stdout), so scripts and tests can follow the window.
    func logLayerChange() {
        guard state.layerIndex != loggedLayer else { return }
        if loggedLayer >= 0 { log("layer: \(state.layer.name)") }
        loggedLayer = state.layerIndex
    }

    // MARK: keyboard

    func handleKeys(_ ui: UIContext) {
        let keys = ui.input
        if keys.modifiers.contains(.ctrl) && ui.keyPressed(.q) { quit = true }
        if ui.keyPressed(.f1) { state.showHelp.toggle() }
        if ui.keyPressed(.escape) {
            if state.showHelp { state.showHelp = false } else if state.showFilters { state.enlargedFilter = nil } else { state.enlargedChannel = nil }
        }
        if ui.keyPressed(.f) && !keys.modifiers.contains(.ctrl) { state.showFilters.toggle() }
        if state.showFilters != loggedFilters { log(state.showFilters ? "view: filters" : "view: channels"); loggedFilters = state.showFilters }
        if ui.keyPressed(.left) { state.selectLayer(state.layerIndex - 1) }
        if ui.keyPressed(.right) { state.selectLayer(state.layerIndex + 1) }
        if state.showFilters, let f = state.enlargedFilter {
            if ui.keyPressed(.up) { state.enlargedFilter = max(0, f - 1) }
            if ui.keyPressed(.down) { state.enlargedFilter = min(state.layer.channels - 1, f + 1) }
        } else if let c = state.enlargedChannel {
            if ui.keyPressed(.up) { state.enlargedChannel = max(0, c - 1) }
            if ui.keyPressed(.down) { state.enlargedChannel = min(state.layer.channels - 1, c + 1) }
        }
        if ui.keyPressed(.pageDown) { state.channelPage = min(state.channelPage + 1, state.pageCount - 1) }
        if ui.keyPressed(.pageUp) { state.channelPage = max(state.channelPage - 1, 0) }
        if ui.keyPressed(.e) && !keys.modifiers.contains(.ctrl) && state.showFilters {
            if let f = state.enlargedFilter, let key = state.filterKey, let image = state.filterCache[key]?.images[f] {
                export([PanelExports.filter(image, key: key)], stem: "filters")
            } else if let job = filterGridExport() {
                export([job], stem: "filters")
            } else {
                state.setStatus("The filter images of this page are not finished yet; export when the grid is full.")
            }
        } else if ui.keyPressed(.e) && !keys.modifiers.contains(.ctrl), let a = state.analysis {
            if let c = state.enlargedChannel {
                export([PanelExports.channel(a, layer: state.layerIndex, channel: c)])
            } else {
                export([PanelExports.grid(a, layer: state.layerIndex, page: state.channelPage)])
            }
        }
    }
}

/// What a dropped path is, from its content.
enum DroppedFile {
    case image, weights, problem(String)

    static func classify(_ path: String) -> DroppedFile {
        let name = (path as NSString).lastPathComponent
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { return .problem("\(name): no such file") }
        if isDir.boolValue { return .problem("\(name) is a folder: drop an image file") }
        guard let fh = FileHandle(forReadingAtPath: path) else { return .problem("\(name): cannot be read") }
        let head = [UInt8]((try? fh.read(upToCount: 16)) ?? Data())
        try? fh.close()
        if head.isEmpty { return .problem("\(name): the file is empty") }
        if ImageKind.sniff(head) != nil { return .image }
        if head.starts(with: [0x89, 0x48, 0x44, 0x46]) || (head.count > 8 && head[8] == UInt8(ascii: "{")) { return .weights }
        let ext = (name as NSString).pathExtension.lowercased()
        if head.starts(with: [0x50, 0x4B, 0x03, 0x04]) && ext == "keras" { return .weights }
        if ["h5", "hdf5", "safetensors", "keras", "onnx"].contains(ext) { return .weights }
        return .problem("\(name): not an image ConvScope can read (PNG, JPEG, BMP, GIF, WebP or TIFF) nor a model file (.h5, .keras, .onnx, .safetensors)")
    }
}
