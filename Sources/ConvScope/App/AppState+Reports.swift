import ConvEngine
import Foundation

extension AppState {
    /// What the engine reports.
    mutating func reduce(engine e: EngineWorker.Event, now: Date) -> [Effect] {
        switch e {
        case .weightsLoaded(let info, let seconds):
            let previous = preferredLayer ?? layer.name
            preferredLayer = nil
            weights = info
            comparison = Comparison()  // the worker dropped its compare run with the old model
            weightsError = nil
            noWeightsFound = false
            camRequest.layer = nil
            cam = nil
            activity = .idle
            let names = info.hiddenLayers.map(\.name)
            layerIndex = names.firstIndex(of: previous) ?? names.firstIndex(of: "block3_conv2") ?? names.count / 2
            enlargedChannel = nil
            enlargedFilter = nil
            gridOrder = []
            channelPage = min(channelPage, pageCount - 1)
            filterCache = filterCache.filter { $0.key.weightsPath == info.key }  // another model's images are not kept
            var stopped: [Effect] = []
            if let run = indexRun {  // an index is of one model: the run for the old one stops
                indexRun = nil
                stopped = [.cancelIndex, .log("index: stopped for the new model: \(run.folder)")]
            }
            if camFollowsLayer { camRequest.layer = layer.name }
            let note = stopped.isEmpty ? "" : " Indexing the photos stopped: an index belongs to one model."
            status.post(
                String(format: "Loaded %@ (%@) in %.2f s.", info.name, info.kind, seconds) + note, error: false, at: now
            )
            var effects: [Effect] = stopped + [.log("weights: \(info.name) (\(info.kind))")]
            // The image shown (or waiting) is analysed again through the new model; until then nothing stale shows.
            if let path = pendingImage ?? analysis?.path { effects += open(image: path, now: now) }
            return effects
        case .weightsFailed(let message):
            weightsError = message
            if case .loadingModel = activity { activity = .idle }
            status.post(message + (weights != nil ? "; keeping \(weights!.name)." : ""), error: true, at: now)
            return [.log("error: \(message)")]
        case .noWeightsFound:
            activity = .idle
            noWeightsFound = true
            status.post(
                "No model found: download VGG16 (middle pane) or drop a .h5 / .keras / .onnx / .safetensors file onto the window.",
                error: true, at: now)
            return [.log("weights: none found")]
        case .working(let text, let generation):
            if generation == imageGeneration, activity == .idle { begin(.analysing(text), now: now) }
            return []
        case .analysed(let a):
            guard a.generation == imageGeneration else { return [] }  // a newer image was asked for
            if analysis?.image.name != a.image.name && dossierCropPath != a.path { enlargedChannel = nil }
            dossierCropPath = nil
            dossierFailures = [:]
            analysis = a
            cam = nil
            pendingImage = nil
            remember(a.path)  // only files that opened go to the recent list
            activity = a.classification != nil ? .computingCAM(camMethodTitle) : .idle
            refreshGridOrder()
            if let c = enlargedChannel, !gridOrder.contains(c) { enlargedChannel = nil }
            status.post(
                String(
                    format: "Analysed %@ (%d×%d): %d layers%@ in %.2f s.", a.image.name, a.image.original.width,
                    a.image.original.height, a.activations.hidden.count, a.classification != nil ? " and classes" : "",
                    a.seconds) + (dropNote.map { " " + $0 } ?? ""), error: false, at: now)
            dropNote = nil
            var effects: [Effect] = [
                .log(String(format: "analysed: %@ in %.3f s", a.image.name, a.seconds)), .saveSettings,
            ]
            effects += requestComparison()
            // A Grad-CAM choice made while the image was being analysed: ask for it now.
            if a.classification != nil, a.camRequest != camRequest {
                effects.append(.cam(camRequest, imageGeneration: a.generation))
            }
            return effects
        case .analysisFailed(let message, let generation):
            guard generation == imageGeneration else { return [] }
            dossierCropPath = nil
            pendingImage = nil
            activity = .idle
            status.post(message + (analysis != nil ? "; the current view is kept." : ""), error: true, at: now)
            if let a = analysis { imageGeneration = a.generation }  // keep showing the last good analysis
            return [.log("error: \(message)")]
        case .cam(let c):
            guard c.imageGeneration == currentAnalysis?.generation else { return [] }
            cam = c
            if activity.isComputingCAM { activity = .idle }
            return [
                .log(
                    String(
                        format: "cam: %@ at %@ class %d in %.3f s", c.result.method, c.result.layer.name,
                        c.result.classIndex, c.seconds))
            ]
        case .sanityEnded(let generation, let request):
            guard generation == comparison.generation, request == comparison.request, comparison.axis == .sanity
            else { return [] }
            comparison.sanityEnded = true
            return [.log("sanity ended")]
        case .sanity(let p):
            guard p.generation == comparison.generation, p.request == comparison.request, comparison.axis == .sanity,
                !comparison.sanity.contains(where: { $0.layer == p.layer && $0.method == p.method })  // a cancelled run's
            else { return [] }
            comparison.sanity.append(p)
            if p.step < 0 { return [.log("sanity trained: \(p.method)")] }
            return [
                .log(String(format: "sanity: %@ %@ Spearman %.3f SSIM %.3f", p.method, p.layer, p.spearman, p.ssim))
            ]
        case .compared(let cell):
            guard cell.generation == comparison.generation, cell.request == comparison.request,
                !comparison.cells.contains(where: { $0.name == cell.name })
            else { return [] }
            comparison.cells.append(cell)
            let road = cell.road.map {
                String(
                    format: "road: %@ combined %.3f most-relevant-first %.3f least-relevant-first %.3f", cell.name,
                    $0.combined, $0.mostRelevantFirstAverage, $0.leastRelevantFirstAverage)
            }
            return [
                .log(
                    String(
                        format: "compare: %@ in %.3f s, deletion %.3f insertion %.3f", cell.name,
                        cell.seconds, cell.scores.deletion.area, cell.scores.insertion.area))
            ] + (road.map { [.log($0)] } ?? [])
        case .comparedROAD(let r):
            guard r.generation == comparison.generation, r.request == comparison.request,
                let i = comparison.cells.firstIndex(where: { $0.name == r.name }), comparison.cells[i].road == nil
            else { return [] }
            comparison.cells[i].road = r.road
            return [
                .log(
                    String(
                        format: "road: %@ combined %.3f most-relevant-first %.3f least-relevant-first %.3f", r.name,
                        r.road.combined, r.road.mostRelevantFirstAverage, r.road.leastRelevantFirstAverage))
            ]
        case .compareFailed(let f):
            guard f.generation == comparison.generation, f.request == comparison.request, f.axis == comparison.axis
            else { return [] }
            if f.road { comparison.roadFailures[f.name] = f.message } else { comparison.failures[f.name] = f.message }
            let what = f.road ? "\(f.name) ROAD" : f.name
            status.post("Compare, \(what): \(f.message)", error: true, at: now)
            return [.log("compare failed: \(what): \(f.message)")]
        case .contributions, .channelAttribution, .contributionsFailed, .channelAttributionFailed:
            return reduce(dossier: e, now: now)
        case .indexLoaded, .indexLoadFailed, .indexProgress, .indexFinished, .indexFailed, .indexNotice, .topCrops,
            .cropsFailed:
            return reduce(index: e, now: now)
        case .camFailed(let message, let generation):
            if generation == currentAnalysis?.generation, activity.isComputingCAM { activity = .idle }
            status.post(message, error: true, at: now)
            return []
        case .filterProgress(let p):
            guard p.key == filtersRequested?.key else { return [] }
            filterProgress = p.stepsDone < p.stepsTotal ? p : nil
            return []
        case .filterImages(let key, let images):
            // The worker has saved each whole image to the disk cache; the window shows only `rgb`.
            for image in images { filterCache[key, default: FilterSet()].images[image.filter] = image.shownOnly }
            let page = images[0].filter / 64
            let channels = hiddenLayers.first { $0.name == key.layer }?.channels ?? 0
            if let r = filtersRequested, r.key == key, Set(r.filters).isSubset(of: filterCache[key]!.images.keys) {
                filtersRequested = nil  // everything asked for is here (a page, or the dossier's one filter)
                filterProgress = nil
                if r.filters.count == 1 && !showFilters {
                    return [.log("filters: \(key.layer) filter \(r.filters[0]) for the dossier (\(key.tag))")]
                }
            }
            guard filterCache[key]!.missing(page: page, channels: channels).isEmpty else { return [] }
            let r = key.recipe
            return [
                .log(
                    "filters: \(key.layer) page \(page) complete (\(r.method.rawValue), \(r.size) px, \(r.steps) steps)"
                )
            ]
        case .filtersCached(let key, let count):
            return [.log("filters: \(key.layer): \(count) from the cache")]
        case .filtersFailed(let key, let cliMessage):
            let message = cliMessage.replacingOccurrences(of: "use --size", with: "choose size")  // the window has no flags
            filterError = (key, message)
            filterProgress = nil
            filtersRequested = nil
            status.post("Filter images for \(key.layer): \(message)", error: true, at: now)
            return [.log("error: \(message)")]
        case .heapTrimmed(let before, let after, let overBudget):
            let when = overBudget ? "over the budget" : "after a long job"
            return [.log("memory: heap trimmed \(when), \(before / 1024) → \(after / 1024) MiB resident")]
        }
    }

    /// What the weights download reports.
    mutating func reduce(download e: WeightsDownload.Event, now: Date) -> [Effect] {
        switch e {
        case .progress(let text, let fraction):
            download = (text, fraction)
            return []
        case .finished(let path):
            download = nil
            noWeightsFound = false
            return [.log("downloaded: \(path)")] + load(model: path, now: now)
        case .failed(let message):
            download = nil
            status.post(message, error: true, at: now)
            return [.log("error: \(message)")]
        }
    }

    /// What the exporter reports.
    mutating func reduce(exporter e: Exporter.Event, now: Date) -> [Effect] {
        switch e {
        case .progress(let done, let total):
            exportProgress = (done, total)
            return []
        case .written(let paths):
            exportProgress = nil
            let folder = (paths.first.map { ($0 as NSString).deletingLastPathComponent }) ?? ""
            status.post(
                paths.count == 1 ? "Exported \(paths[0])" : "Exported \(paths.count) PNG files to \(folder)",
                error: false, at: now)
            return paths.map { .log("exported: \($0)") }
        case .failed(let message):
            exportProgress = nil
            status.post("Export failed: \(message)", error: true, at: now)
            return [.log("error: export failed: \(message)")]
        }
    }

    /// The export jobs of each export event, rendered from the data (never a screenshot).
    mutating func export(_ event: AppEvent, now: Date) -> [Effect] {
        if case .exportFilterGrid = event {
            guard let job = filterGridExport() else {
                status.post(
                    "The filter images of this page are not finished yet; export when the grid is full.", error: false,
                    at: now)
                return []
            }
            return [.export([job], stem: "filters")]
        }
        if case .exportFilter = event {
            guard let f = enlargedFilter, let key = filterKey, let image = filterCache[key]?.images[f] else {
                return []
            }
            return [.export([PanelExports.filter(image, key: key)], stem: "filters")]
        }
        guard let a = currentAnalysis else { return [] }
        switch event {
        case .exportInput: return [.export([PanelExports.input(a)], stem: nil)]
        case .exportGrid:
            let page = Array(gridOrder.dropFirst(channelPage * 64).prefix(64))
            return [
                .export(
                    [
                        PanelExports.grid(
                            a, layer: layerIndex, channels: page, page: channelPage, of: gridOrder.count,
                            range: sharedRange(a), order: grid.order)
                    ], stem: nil)
            ]
        case .exportDossier:
            guard let c = enlargedChannel else { return [] }
            return [.export([PanelExports.dossier(self, a, channel: c)], stem: nil)]
        case .exportEnlarged:
            guard let c = enlargedChannel else { return [] }
            return [.export([PanelExports.channel(a, layer: layerIndex, channel: c, range: sharedRange(a))], stem: nil)]
        case .exportCAMOverlay:
            guard let c = currentCAM else { return [] }
            return [.export([PanelExports.camOverlay(a, c, opacity: camOpacity)], stem: nil)]
        case .exportHeatmap:
            guard let c = currentCAM else { return [] }
            return [.export([PanelExports.heatmap(c)], stem: nil)]
        case .exportAll:
            var jobs = [PanelExports.input(a)]
            jobs += (0..<a.activations.hidden.count).map { PanelExports.grid(a, layer: $0, page: 0) }
            if let c = currentCAM {
                jobs += [PanelExports.camOverlay(a, c, opacity: camOpacity), PanelExports.heatmap(c)]
            }
            return [.export(jobs, stem: nil)]
        default: return []
        }
    }

    /// The layer's value range when the grid shows every tile on one scale.
    func sharedRange(_ a: Analysis) -> (min: Float, max: Float)? {
        guard grid.sharedScale else { return nil }
        let d = a.activations.layer(layerIndex).data
        return (d.min() ?? 0, d.max() ?? 0)
    }

    /// The shown page of filter images as one PNG, when all of them are finished.
    func filterGridExport() -> Exporter.Job? {
        guard let key = filterKey, let set = filterCache[key] else { return nil }
        let page = FilterSet.page(channelPage, channels: layer.channels)
        let done = page.compactMap { set.images[$0] }
        guard done.count == page.count else { return nil }
        let r = key.recipe
        let caption =
            Exporter.gridCaption(
                layer: key.layer, first: page.first!, last: page.last!, total: layer.channels, noun: "filters")
            + " · \(r.method.rawValue), \(r.size) px, \(r.steps) steps"
        return .init(what: "\(key.layer)_filters\(page.first!)-\(page.last!)_\(key.tag)", caption: caption) {
            FilterGrid.render(done)
        }
    }
}
