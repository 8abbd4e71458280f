import ConvEngine
import Foundation

extension AppState {
    /// Applies one event; returns what must happen outside the state. The only place the state changes.
    mutating func reduce(_ event: AppEvent, now: Date = Date()) -> [Effect] {
        switch event {
        case .openImage(let path): return open(image: path, now: now)
        case .openModel(let path): return load(model: path, now: now)
        case .dropped(let paths): return drop(paths, now: now)
        case .openChooser:
            guard !choosing, browser == nil else { return [] }
            choosing = true
            return [.openChooser]
        case .chooserClosed(let path):
            choosing = false
            return path.map { open(file: $0, now: now) } ?? []
        case .browse(let b):
            choosing = false
            browser = b
            return []
        case .selectLayer(let i): return selectLayer(i)
        case .selectPage(let p):
            channelPage = min(max(p, 0), pageCount - 1)
            return []
        case .showFilters(let on):
            showFilters = on
            channelPage = min(channelPage, pageCount - 1)
            return [.log(on ? "view: filters" : "view: channels")]
        case .enlargeChannel(let c): return enlarge(channel: c)
        case .enlargeFilter(let f):
            enlargedFilter = f.map { min(max($0, 0), layer.channels - 1) }
            if let f = enlargedFilter { channelPage = f / 64 }  // ↑/↓ past the page's last filter turns the page
            return []
        case .grid(let g):
            grid = g
            refreshGridOrder()
            return [.saveSettings]
        case .filterRecipe(let r):
            switch r {
            case .lucid(let s): lucidSettings = s
            case .plain(let s): filterSettings = s
            }
            guard filterMethod != r.method else { return [.saveSettings] }
            filterMethod = r.method
            return [.log("filters: method \(r.method.rawValue)"), .saveSettings]
        case .camMethod(let m): return requestCAM { $0.method = m }
        case .camCompare(let on):
            camCompare = on
            if !on { comparison = Comparison() }  // cancelled: what it had is incomplete
            return on ? requestComparison() : [.cancelCompare]
        case .sanityFocus(let name):
            sanityFocus = name
            return [.log("sanity focus: \(name ?? "none")")]
        case .sanityShowsSSIM(let on):
            sanityShowsSSIM = on
            return [.log("sanity plot: \(on ? "SSIM" : "Spearman")")]
        case .compareAxis(let axis):
            compareAxis = axis
            if comparison.axis != axis { comparison = Comparison() }
            return requestComparison()
        case .camClass(let c): return requestCAM { $0.classIndex = c }
        case .camLayer(let name): return requestCAM { $0.layer = name }
        case .camScore(let s): return requestCAM { $0.score = s }
        case .camOpacity(let o):
            camOpacity = min(max(o, 0), 1)
            return []
        case .camOpacityFollowsHeat(let on):
            camOpacityFollowsHeat = on
            return []
        case .camFollowsLayer(let on):
            camFollowsLayer = on
            let name = layer.name
            return on ? requestCAM { $0.layer = name } : []
        case .preprocessing(let p):
            guard weights?.preprocessing != p else { return [] }
            status.post("Preprocessing: \(p.summary); analysing again…", error: false, at: now)
            return [.preprocessing(p)]
        case .startDownload(let fullOnly):
            download = (fullOnly ? "Connecting to Keras's server…" : "Connecting…", nil)
            return [.startDownload(fullOnly: fullOnly)]
        case .cancelDownload: return [.cancelDownload]
        case .exportInput, .exportGrid, .exportEnlarged, .exportDossier, .exportAll, .exportCAMOverlay, .exportHeatmap,
            .exportFilterGrid, .exportFilter:
            return export(event, now: now)
        case .revealExports:
            return [.revealExports(stem: currentAnalysis.map { ($0.image.name as NSString).deletingPathExtension })]
        case .showHelp(let on):
            showHelp = on
            return []
        case .dismissStatus:
            status.dismiss()
            return []
        case .escape: return escape()
        case .quit:
            quit = true
            return [.saveSettings]
        case .syncFilters: return syncFilters()
        case .syncDossier: return syncDossier() + syncIndex()
        case .indexFolder(let folder): return startIndexing(folder, now: now)
        case .cancelIndex: return indexRun == nil ? [] : [.cancelIndex]
        case .chooseIndexFolder:
            guard !choosing, browser == nil else { return [] }
            choosing = true
            return [.chooseFolder]
        case .openCrop(let path):
            dossierCropPath = Self.absolute(path)
            return open(image: path, now: now)
        case .lookingForModel:
            begin(.lookingForModel, now: now)
            return []
        case .engine(let e): return reduce(engine: e, now: now)
        case .download(let e): return reduce(download: e, now: now)
        case .exporter(let e): return reduce(exporter: e, now: now)
        }
    }

    mutating func open(image given: String, now: Date) -> [Effect] {
        let path = Self.absolute(given)
        imageGeneration += 1
        pendingImage = path
        camRequest.classIndex = nil  // a new image: explain its own top class
        guard weights != nil else { return [] }  // analysed once a model is loaded
        begin(.analysing((path as NSString).lastPathComponent), now: now)
        return [.analyse(path: path, crop: crop, generation: imageGeneration, cam: camRequest), .saveSettings]
    }

    mutating func load(model given: String, now: Date) -> [Effect] {
        let path = Self.absolute(given)
        begin(.loadingModel((path as NSString).lastPathComponent), now: now)
        return [.loadModel(path), .saveSettings]
    }

    /// A chosen file: a model loads, anything else is taken as an image (the engine says if it is not one).
    private mutating func open(file path: String, now: Date) -> [Effect] {
        if case .weights = DroppedFile.classify(path) { return load(model: path, now: now) }
        return open(image: path, now: now)
    }

    /// Model files load; the last image is analysed; anything else is named in the status bar.
    private mutating func drop(_ paths: [String], now: Date) -> [Effect] {
        var effects: [Effect] = []
        var problems: [String] = []
        var images: [String] = []
        for p in paths {
            var isFolder: ObjCBool = false
            if paths.count == 1, FileManager.default.fileExists(atPath: p, isDirectory: &isFolder), isFolder.boolValue {
                return startIndexing(p, now: now)  // a folder of photos: index it for the channel dossier
            }
            switch DroppedFile.classify(p) {
            case .weights: effects += load(model: p, now: now)
            case .image: images.append(p)
            case .problem(let why): problems.append(why)
            }
        }
        if let last = images.last { effects += open(image: last, now: now) }
        if images.count > 1 {
            let note =
                "\(paths.count) files dropped: showing the last image, \((images.last! as NSString).lastPathComponent). "
                + "Drop one image at a time to look at each."
            status.post(note, error: false, at: now)
            dropNote = weights != nil ? note : nil  // said again with the analysis, which would replace it
        } else if let first = problems.first {
            let more = problems.count > 1 ? " (and \(problems.count - 1) more file(s) that are not images)" : ""
            status.post(first + more + (analysis != nil ? "; the current view is kept." : "."), error: true, at: now)
            effects.append(.log("error: \(first)"))
        }
        return effects
    }

    /// A path as given on the command line, made absolute (the recent list and the chooser's folder outlive the
    /// working folder).
    static func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(path)
    }

    mutating func remember(_ path: String) {
        recentFiles.removeAll { $0 == path }
        recentFiles.insert(path, at: 0)
        if recentFiles.count > 8 { recentFiles.removeLast() }
    }

    mutating func begin(_ a: Activity, now: Date) {
        if a != activity { activitySince = now }
        activity = a
    }

    /// Moves the layer slider, keeping the page and the enlarged channel in range; Grad-CAM follows when asked.
    mutating func selectLayer(_ index: Int) -> [Effect] {
        let old = layerIndex
        layerIndex = min(max(index, 0), max(hiddenLayers.count - 1, 0))
        refreshGridOrder()
        channelPage = min(channelPage, pageCount - 1)
        if let c = enlargedChannel, c >= layer.channels { enlargedChannel = layer.channels - 1 }
        if let f = enlargedFilter, !layer.isConv || f >= layer.channels { enlargedFilter = nil }
        guard layerIndex != old else { return [] }
        var effects: [Effect] = [.log("layer: \(layer.name)"), .saveSettings]
        let name = layer.name
        if camFollowsLayer { effects += requestCAM { $0.layer = name } }
        return effects
    }

    /// Enlarges a channel; stepping past the page's last tile turns the page.
    private mutating func enlarge(channel: Int?) -> [Effect] {
        guard let c = channel else {
            enlargedChannel = nil
            return []
        }
        let order = gridOrder.isEmpty ? Array(0..<layer.channels) : gridOrder
        enlargedChannel = min(max(c, 0), layer.channels - 1)
        if let slot = order.firstIndex(of: enlargedChannel!) { channelPage = slot / 64 }
        return []
    }

    /// Steps the enlarged channel to the previous or next one in the grid's order.
    func stepEnlarged(_ c: Int, by delta: Int) -> Int {
        let order = gridOrder.isEmpty ? Array(0..<layer.channels) : gridOrder
        guard !order.isEmpty else { return c }
        // A channel not in the order (hidden as dead here): the nearest one in the direction of the step.
        guard let i = order.firstIndex(of: c) else {
            return (delta > 0 ? order.first { $0 > c } : order.last { $0 < c })
                ?? order[delta > 0 ? order.count - 1 : 0]
        }
        return order[min(max(i + delta, 0), order.count - 1)]
    }

    mutating func refreshGridOrder() {
        guard let a = currentAnalysis, a.activations.hidden.indices.contains(layerIndex) else {
            gridOrder = []
            return
        }
        gridOrder = grid.channels(of: a.activations.layer(layerIndex), contributions: currentContributions)
        channelPage = min(channelPage, pageCount - 1)
    }

    /// The title of the method the CAM pane shows ("Score-CAM"), for the status bar.
    var camMethodTitle: String { CAMMethods.named(camRequest.method)?.title ?? camRequest.method }

    mutating func requestCAM(_ change: (inout CAMRequest) -> Void) -> [Effect] {
        change(&camRequest)
        guard let a = currentAnalysis, a.classification != nil else { return [] }
        begin(.computingCAM(camMethodTitle), now: Date())
        return [.cam(camRequest, imageGeneration: a.generation)] + requestComparison()
    }

    /// Asks for the compare view's maps and scores when it is open and lacks them for the current request (what its
    /// axis varies does not matter: it shows them all).
    mutating func requestComparison() -> [Effect] {
        guard camCompare, let a = currentAnalysis, a.classification != nil else { return [] }
        let key = camRequest.comparisonKey(compareAxis)
        if comparison.generation == a.generation, comparison.axis == compareAxis, comparison.request == key {
            return []
        }
        comparison = Comparison(generation: a.generation, axis: compareAxis, request: key)
        return [.compare(camRequest, compareAxis, imageGeneration: a.generation)]
    }

    /// The filter images the Filters view shows and does not have yet are asked for once; a request for what it no
    /// longer shows is cancelled.
    private mutating func syncFilters() -> [Effect] {
        func cancel() -> [Effect] {
            guard filtersRequested != nil else { return [] }
            filtersRequested = nil
            filterProgress = nil
            return [.cancelFilters]
        }
        // The dossier asks for its channel's filter image alone, when it lacks it.
        if !showFilters, let c = enlargedChannel, let key = dossierFilterKey, filterError?.key != key,
            c < (dossierFilterLayer?.channels ?? 0)
        {
            guard filterCache[key]?.images[c] == nil else { return cancel() }
            if let r = filtersRequested, r.key == key, r.filters == [c] { return [] }
            filtersRequested = (key, [c])
            filterProgress = FilterProgress(key: key, filters: [c], stepsTotal: 1)
            return [.filters(key, [c])]
        }
        guard showFilters, let key = filterKey, filterError?.key != key else { return cancel() }
        let missing = filterCache[key, default: FilterSet()].missing(page: channelPage, channels: layer.channels)
        if let r = filtersRequested, r.key == key, Set(missing).isSubset(of: r.filters) { return [] }
        if missing.isEmpty { return cancel() }
        filtersRequested = (key, missing)
        filterProgress = FilterProgress(key: key, filters: missing, stepsTotal: 1)
        return [.filters(key, missing)]
    }

    /// Esc closes the topmost thing open: the browser, help, an enlarged tile.
    private mutating func escape() -> [Effect] {
        if browser != nil {
            browser = nil
        } else if showHelp {
            showHelp = false
        } else if showFilters && enlargedFilter != nil {
            enlargedFilter = nil
        } else {
            enlargedChannel = nil
        }
        return []
    }
}
