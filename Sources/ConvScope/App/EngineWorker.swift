import ConvEngine
import Foundation
import Platform
import WeightsStore

/// Runs the engine on one serial background queue so the window never waits. Every request carries a generation;
/// work for a generation older than the newest request is skipped, and the UI drops any stale result, so when five
/// images are dropped quickly the last one wins.
final class EngineWorker {
    enum Event {
        case weightsLoaded(WeightsInfo, seconds: Double)
        case weightsFailed(String)
        case noWeightsFound
        case working(String, generation: Int)
        case analysed(Analysis)
        case analysisFailed(String, generation: Int)
        case cam(CAMView)
        case camFailed(String, imageGeneration: Int)
        case compared(CompareCell)
        /// ROAD for a compare cell that arrived without it (`EngineWorker+ROAD.swift`).
        case comparedROAD(CompareROAD)
        case sanity(SanityPoint)
        /// The sanity check for this image and request has run to its end (every step, or a step that failed).
        case sanityEnded(generation: Int, request: CAMRequest)
        case compareFailed(CompareFailure)
        case contributions(ContributionKey, ChannelContributions)
        case channelAttribution(ChannelAttributionView)
        case contributionsFailed(ContributionKey, String)
        case channelAttributionFailed(ChannelAttributionKey, String)
        /// An index of the folder for the model: nil when there is none yet, or when it is `stale` (made otherwise).
        case indexLoaded(modelKey: String, folder: String, ChannelIndex?, stale: String?)
        case indexLoadFailed(modelKey: String, String)
        case indexProgress(run: Int, IndexProgress)
        case indexFinished(run: Int, modelKey: String, folder: String, ChannelIndex, summary: String)
        case indexFailed(run: Int, String)
        case indexNotice(String)
        case topCrops(TopCropsKey, [TopCrop])
        case cropsFailed(TopCropsKey, String)
        case filterProgress(FilterProgress)
        case filterImages(FilterKey, [FilterImage])
        /// How many of a request's images came from the disk cache (their images follow as `filterImages`).
        case filtersCached(FilterKey, Int)
        case filtersFailed(FilterKey, String)
        /// The heap's free pages went back to the system after a long job (`IdleHeapTrim`): the resident set before
        /// and after.
        /// `overBudget`: after an item that left the resident set over `MemoryPolicy.windowBudgetKiB`.
        case heapTrimmed(beforeKiB: Int, afterKiB: Int, overBudget: Bool)
    }

    let events: Mailbox<Event>
    let queue: DispatchQueue
    /// Every item of `queue` goes through it: the heap is trimmed when the queue goes idle after a long job.
    let idle: IdleHeapTrim
    private let lock = NSLock()
    private var newestImageGeneration = 0
    /// A photo decoding since start-up, while the model loads (`prefetch`); the first analysis of that path takes it.
    private var prefetched: DecodingImage?
    private var newestCAMRequest = 0
    private var newestComparison = 0
    private var newestFilterRequest = 0
    /// The newest dossier requests (EngineWorker+Dossier).
    let dossierTickets = Tickets()
    /// Indexing a folder runs beside the engine; the dossier's crops are cut on a queue of their own.
    let indexQueue = DispatchQueue(label: "convscope.index", qos: .utility)
    let cropQueue = DispatchQueue(label: "convscope.crops", qos: .userInitiated)
    let photoCache = PhotoCache()
    /// The dossier's channel contributions and attributions run on a queue of their own with a runner of their own
    /// on the same model (`loaded`), beside a long run on `queue`.
    let dossierQueue = DispatchQueue(label: "convscope.dossier", qos: .userInitiated)
    let loaded = LoadedModel()
    /// Touched only on `dossierQueue`: its runner and the `loaded` generation it was made for.
    var dossierRunner: (runner: Runner, generation: Int)?
    // Touched only on `queue`:
    var runner: Runner?
    /// The model's dense kernels streamed from the end of its first analysis on (`DenseKernelStreaming`): every pass
    /// reads them 16 MiB at a time from the page cache and lets each chunk go, so the window does not hold VGG16's
    /// 472 MB of fc1, fc2 and predictions between passes (an analysis took 13–18 ms more in the soaks). Engine queue
    /// only.
    private var denseStreaming: DenseKernelStreaming?
    var current: Analysis?
    var modelPath: String?
    /// Replaces the model's own preprocessing when set (the window's choice).
    private var preprocessing: Preprocessing?
    private var filterMaker: (any FilterImageMaker)?
    /// The filter request whose job runs on `filterMaker`, nil when none does: the maker and its buffers (a page's
    /// lanes: 128 MiB, `makerBudget`) go when that job ends, finished or cancelled, unless a newer request took the
    /// maker over.
    private var makerTicket: Int?
    /// How many filters `filterMaker`'s buffers were sized for (`makerBudget`).
    private var makerFilters = 0
    private var makerPath: String?
    /// The disk cache of finished filter images, for the model file it was made for (its SHA-256 computed once).
    private var filterStore: (path: String, cache: FilterImageCache?)?

    /// `idleTrimDelay`: how long the queue stays idle after a long job before the heap's free pages go back.
    init(idleTrimDelay: DispatchTimeInterval = .seconds(1)) {
        queue = DispatchQueue(label: "convscope.engine", qos: .userInitiated)
        let events = Mailbox<Event>()
        self.events = events
        let budget = IdleHeapTrim.Budget(limitKiB: MemoryPolicy.windowBudgetKiB, resident: MemoryPolicy.residentKiB) {
            let before = MemoryPolicy.residentKiB()
            FreeHeapPages.release()
            events.post(.heapTrimmed(beforeKiB: before, afterKiB: MemoryPolicy.residentKiB(), overBudget: true))
        }
        idle = IdleHeapTrim(queue: queue, delay: idleTrimDelay, budget: budget) {
            let before = MemoryPolicy.residentKiB()
            FreeHeapPages.release()
            events.post(.heapTrimmed(beforeKiB: before, afterKiB: MemoryPolicy.residentKiB(), overBudget: false))
        }
    }

    /// Looks in every discovery place (on the queue: probing reads the files) and loads the best find. Files the
    /// probe had to load are kept (the first full and the first backbone, one of which is chosen), so the chosen
    /// file is not read twice.
    func discoverAndLoad(explicit: String?, repoWeightsFolder: String?, preprocessing: Preprocessing? = nil) {
        idle.async { [self] in
            self.preprocessing = preprocessing
            var kept: [String: Model] = [:]
            var keptFull = false
            var keptBackbone = false
            let discovery = WeightsDiscovery.forCurrentUser(explicit: explicit, repoWeightsFolder: repoWeightsFolder) {
                path in
                WeightsProbe.classify(path: path) { model in
                    if model.hasClassifier ? keptFull : keptBackbone { return }
                    if model.hasClassifier { keptFull = true } else { keptBackbone = true }
                    kept[path] = model
                }
            }
            guard let chosen = discovery.best() else {
                events.post(.noWeightsFound)
                return
            }
            load(chosen.path, preloaded: kept[chosen.path])
        }
    }

    /// Loads a model the user chose (a drop): its own preprocessing applies until the user picks another.
    func loadWeights(path: String) {
        idle.async { [self] in
            preprocessing = nil
            load(path)
        }
    }

    /// Runs the loaded model with another preprocessing from now on (the window's choice); the window analyses its
    /// image again when the model's description arrives. The model's weights and Winograd kernels are shared by the
    /// copy; the old runner and its buffers go before the new one's are made.
    func setPreprocessing(_ p: Preprocessing?) {
        idle.async { [self] in
            preprocessing = p
            guard var model = runner?.model, let path = modelPath else { return }
            model.preprocessing = p ?? model.preprocessing
            filterMaker = nil
            forgetAnalysis()
            runner = nil
            let streaming = denseStreaming  // the same kernels: they stay streamed
            forgetModel()
            runner = Runner(model: model)
            denseStreaming = streaming
            modelChanged(model, path: path)
            idle.jobEnded()
            events.post(.weightsLoaded(WeightsInfo(model, path: path), seconds: 0))
        }
    }

    /// Before a new model's runner is made: the dossier's hold on the old model (its runner, `loaded`) goes first,
    /// so the two models' Winograd kernels are never held at once (waits for a dossier job running now).
    private func forgetModel() {
        denseStreaming = nil
        loaded.clear()
        dossierQueue.sync { dossierRunner = nil }
    }

    /// The new model, for the dossier's queue.
    private func modelChanged(_ model: Model, path: String) {
        loaded.set(model, path: path)
    }

    private func load(_ path: String, preloaded: Model? = nil) {
        let start = Date()
        do {
            var model = try preloaded ?? IsolatedModelLoader.load(path: path)
            if let p = preprocessing { model.preprocessing = p }
            filterMaker = nil
            forgetAnalysis()
            let replacing = runner != nil
            runner = nil  // free the old model's buffers first
            forgetModel()
            runner = Runner(model: model)
            modelPath = path
            modelChanged(model, path: path)
            if replacing { idle.jobEnded() }  // the first load's garbage went back already (`ModelPrefetch`)
            events.post(.weightsLoaded(WeightsInfo(model, path: path), seconds: Date().timeIntervalSince(start)))
        } catch {
            events.post(.weightsFailed("\(error)"))
        }
    }

    /// A new model or preprocessing: the last analysis's activations belong to the old one, so the queued CAM and
    /// compare work for it stops here instead of running the new model on them.
    private func forgetAnalysis() {
        current = nil
        lock.lock()
        newestCAMRequest += 1
        newestComparison += 1
        lock.unlock()
    }

    /// Starts decoding the photo the window opens with, beside the model's loading (the analysis waits for the model).
    func prefetch(photo path: String) {
        lock.lock()
        prefetched = DecodingImage(path: path)
        lock.unlock()
    }

    /// Loads, runs all 18 layers, classifies, and (with a classifier) computes the default Grad-CAM.
    func analyse(path: String, crop: Bool, generation: Int, cam: CAMRequest) {
        lock.lock()
        newestImageGeneration = max(newestImageGeneration, generation)
        let early = prefetched?.path == path ? prefetched : nil
        prefetched = nil
        lock.unlock()
        idle.async { [self] in
            guard !isStale(generation) else { return }
            guard let runner else {
                events.post(.analysisFailed("no model loaded", generation: generation))
                return
            }
            let model = runner.model
            let name = (path as NSString).lastPathComponent
            events.post(.working(name, generation: generation))
            let start = Date()
            do {
                let image = InputImage(
                    path: path, decoded: try early?.decoded() ?? IsolatedImageDecoder.shared.load(path: path),
                    width: model.input.width, height: model.input.height, crop: crop)
                guard !isStale(generation) else { return }
                let activations = try runner.forward(runner.preprocess(rgb: image.networkRGB))
                let classification = model.hasClassifier ? try runner.classify(activations) : nil
                let seconds = Date().timeIntervalSince(start)
                let key = WeightsInfo(model, path: modelPath ?? "").key
                let analysis = Analysis(
                    generation: generation, camRequest: cam, modelKey: key, path: path, image: image,
                    activations: activations,
                    classification: classification, seconds: seconds, tiles: Analysis.renderTiles(activations))
                current = analysis
                events.post(.analysed(analysis))
                if classification != nil { computeCAM(cam, for: analysis) }
                // From now on the dense kernels are streamed (the first analysis and its Grad-CAM read them whole,
                // as the load's check had just brought them in).
                if denseStreaming == nil { denseStreaming = DenseKernelStreaming(model) }
            } catch {
                events.post(.analysisFailed("\(error)", generation: generation))
            }
        }
    }

    func gradCAM(_ request: CAMRequest, imageGeneration: Int) {
        lock.lock()
        newestCAMRequest += 1
        let ticket = newestCAMRequest
        lock.unlock()
        idle.async { [self] in
            lock.lock()
            let stale = ticket != newestCAMRequest
            lock.unlock()
            guard !stale, let analysis = current, analysis.generation == imageGeneration else { return }
            computeCAM(request, for: analysis)
        }
    }

    private func computeCAM(_ request: CAMRequest, for analysis: Analysis) {
        guard let runner, let classification = analysis.classification else { return }
        let start = Date()
        let method = CAMMethods.named(request.method) ?? GradCAMMethod()
        defer {
            runner.dropBatchRunner()  // Score-CAM's and Ablation-CAM's batch buffers go with the answer
            if method.usesForwardPasses { idle.jobEnded() }
        }
        do {
            // Score-CAM and Ablation-CAM run many batched passes: the dense kernels are streamed meanwhile.
            let run = {
                try runner.classActivationMap(
                    method, analysis.activations, classification: classification,
                    layer: request.layer, classIndex: request.classIndex,
                    score: request.score)
            }
            let r = try method.usesForwardPasses ? runner.model.streamingDenseKernels(run) : run()
            let k = r.classIndex ?? request.classIndex ?? classification.top(1)[0].index
            let result = CAMMap(
                method: method.title, layer: r.layer, classIndex: k,
                scoreValue: classification.score(k, request.score), map: r.map)
            events.post(
                .cam(
                    CAMView(
                        imageGeneration: analysis.generation, request: request, result: result,
                        seconds: Date().timeIntervalSince(start))))
        } catch {
            events.post(.camFailed("\(error)", imageGeneration: analysis.generation))
        }
    }

    /// The compare view's cells for `request`: every method (cheapest first) or the request's method at every
    /// convolution and then LayerCAM's fusion of them; one per queue item, each with its faithfulness scores and posted
    /// when done. A newer comparison or `cancelComparison` ends this one between two cells.
    func compare(_ request: CAMRequest, _ axis: CompareAxis, imageGeneration: Int) {
        lock.lock()
        newestComparison += 1
        let ticket = newestComparison
        lock.unlock()
        if axis == .sanity { return sanity(request, imageGeneration: imageGeneration, ticket: ticket) }
        idle.async { [self] in
            guard let runner else { return }
            let items =
                axis == .methods
                ? CAMMethods.all.sorted { cost($0) < cost($1) }.map(\.name)
                : runner.model.hiddenLayers.filter(\.isConv).map(\.name).prefix(CompareView.slots - 1) + [
                    CompareView.fusion
                ]
            continueComparison(request, axis, items[...], imageGeneration: imageGeneration, ticket: ticket)
        }
    }

    /// One cell per queue item; then ROAD for the cells that came without it (`roadLeft`, filled as they go).
    private func continueComparison(
        _ request: CAMRequest, _ axis: CompareAxis, _ left: ArraySlice<String>,
        imageGeneration: Int, ticket: Int, roadLeft: [ROADWork] = []
    ) {
        idle.async { [self] in
            let stale = !isCurrentComparison(ticket)
            if left.isEmpty && !stale {
                return continueROAD(request, axis, roadLeft[...], imageGeneration: imageGeneration, ticket: ticket)
            }
            guard !stale, let item = left.first, let runner, let analysis = current,
                analysis.generation == imageGeneration, let c = analysis.classification
            else {
                runner?.releaseRunMemory()  // the run is over: its batch runner goes
                idle.jobEnded()
                return
            }
            var roadLeft = roadLeft
            let start = Date()
            let method = CAMMethods.named(axis == .methods ? item : request.method) ?? GradCAMMethod()
            do {
                try runner.model.streamingDenseKernels {  // a long run: the dense kernels are streamed meanwhile
                    let input = analysis.activations.input
                    let map: CAMMap
                    if item == CompareView.fusion {
                        map = try fusion(runner, analysis, c, request)
                    } else {
                        let r = try runner.classActivationMap(
                            method, analysis.activations, classification: c,
                            layer: axis == .layers ? item : request.layer,
                            classIndex: request.classIndex, score: request.score)
                        let k = r.classIndex ?? request.classIndex ?? c.top(1)[0].index
                        map = CAMMap(
                            method: method.title, layer: r.layer, classIndex: k, scoreValue: c.score(k, request.score),
                            map: r.map)
                    }
                    let full =
                        map.layer.height == input.height && map.layer.width == input.width
                        ? map.map
                        : CAMMethods.upsampled(
                            map.map, height: map.layer.height, width: map.layer.width, to: input.height,
                            input.width)
                    let scores = try runner.faithfulness(input: input, map: full, classIndex: map.classIndex)
                    let shown =
                        axis == .methods ? request.method : (request.layer ?? runner.model.lastConvolution?.name)
                    let road =
                        item == shown ? try runner.road(input: input, map: full, classIndex: map.classIndex) : nil
                    if road == nil { roadLeft.append(ROADWork(name: item, map: full, classIndex: map.classIndex)) }
                    events.post(
                        .compared(
                            CompareCell(
                                generation: imageGeneration, request: request.comparisonKey(axis),
                                name: item, map: map, scores: scores, road: road,
                                seconds: Date().timeIntervalSince(start))))
                }
            } catch {
                compareFailed(request.comparisonKey(axis), axis, item, error, imageGeneration)
            }
            continueComparison(
                request, axis, left.dropFirst(), imageGeneration: imageGeneration, ticket: ticket, roadLeft: roadLeft)
        }
    }

    /// Tells the window that a compare cell (or the sanity step at `name`) could not be computed, and why.
    func compareFailed(
        _ key: CAMRequest, _ axis: CompareAxis, _ name: String, _ error: Error, _ generation: Int, road: Bool = false
    ) {
        events.post(
            .compareFailed(
                CompareFailure(
                    generation: generation, request: key, axis: axis, name: name, message: "\(error)", road: road)))
    }

    /// LayerCAM at every convolution, each normalised and brought to the input's size, averaged and normalised again
    /// (pytorch-grad-cam's `aggregate_multi_layers` with every convolution as a target layer).
    private func fusion(
        _ runner: Runner, _ analysis: Analysis, _ c: Classification, _ request: CAMRequest
    ) throws -> CAMMap {
        let input = analysis.activations.input
        var sum = [Float](repeating: 0, count: input.height * input.width)
        var k = request.classIndex ?? c.top(1)[0].index
        var count = 0
        for layer in runner.model.hiddenLayers where layer.isConv {
            let r = try runner.classActivationMap(
                LayerCAM(), analysis.activations, classification: c, layer: layer.name,
                classIndex: request.classIndex, score: request.score)
            k = r.classIndex ?? k
            let up = CAMMethods.upsampled(
                r.map, height: layer.height, width: layer.width, to: input.height, input.width)
            for i in sum.indices { sum[i] += max(up[i], 0) }
            count += 1
        }
        let info = LayerInfo(
            index: -1, name: "all convolutions", kind: .pool, height: input.height, width: input.width,
            channels: 1, first: 0, last: 0)
        return CAMMap(
            method: "LayerCAM fusion", layer: info, classIndex: k, scoreValue: c.score(k, request.score),
            map: CAMMethods.normalised(sum.map { $0 / Float(max(count, 1)) }))
    }

    /// Whether `ticket` is still the newest comparison (a newer one, or `cancelComparison`, ends it).
    func isCurrentComparison(_ ticket: Int) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return ticket == newestComparison
    }

    func cancelComparison() {
        lock.lock()
        newestComparison += 1
        lock.unlock()
    }

    /// Gradient methods first, then Eigen-CAM, then the ones that run many forward passes.
    private func cost(_ m: any CAMMethod) -> Int {
        m.usesForwardPasses ? (m is ScoreCAM ? 3 : 2) : (m.usesGradients ? 0 : 1)
    }

    /// Makes filter images for `filters` of `key`, one step per queue item so an image dropped meanwhile is analysed
    /// between two steps; those in the disk cache are read instead, and each finished one is written there. A newer
    /// request (or `cancelFilters`) ends this one after its current step.
    func filters(_ key: FilterKey, _ filters: [Int]) {
        lock.lock()
        newestFilterRequest += 1
        let ticket = newestFilterRequest
        lock.unlock()
        idle.async { [self] in
            guard isCurrentFilterRequest(ticket) else { return }
            do {
                guard let runner, let path = modelPath, WeightsInfo(runner.model, path: path).key == key.weightsPath
                else { return }  // other weights since: the window asks again
                let cacheKey = FilterImageCache.Key(layer: key.layer, recipe: key.recipe)
                let cache = filterCache(path, runner.model, key.weightsPath)
                let cached = cache?.images(cacheKey, filters: filters) ?? []
                if !cached.isEmpty {
                    events.post(.filtersCached(key, cached.count))
                    events.post(.filterImages(key, cached))
                }
                let missing = filters.filter { f in !cached.contains { $0.filter == f } }
                guard !missing.isEmpty else { return }
                if filterMaker == nil || filterMaker!.layer.name != key.layer || filterMaker!.recipe != key.recipe
                    || makerPath != key.weightsPath || makerFilters < missing.count
                {
                    filterMaker = nil  // free the old buffers first
                    // Filter images never read the dense kernels: their pages go before the maker's buffers come.
                    runner.model.streamingDenseKernels {}
                    filterMaker = try key.recipe.maker(
                        model: runner.model, layer: key.layer, memoryBudget: Self.makerBudget(filters: missing.count),
                        cores: min(Parallel.cores, missing.count))
                    makerPath = key.weightsPath
                    makerFilters = missing.count
                }
                let job = try filterMaker!.job(filters: missing)
                makerTicket = ticket
                continueFilters(job, key: key, ticket: ticket, started: Date()) { image in
                    try? cache?.save(image, cacheKey)  // a cache that cannot be written is no error
                }
            } catch {
                events.post(.filtersFailed(key, "\(error)"))
            }
        }
    }

    func cancelFilters() {
        lock.lock()
        newestFilterRequest += 1
        lock.unlock()
    }

    /// The disk cache for the model at `path` as run (`identity`: file and preprocessing), nil when its file
    /// cannot be read; made once per model.
    private func filterCache(_ path: String, _ model: Model, _ identity: String) -> FilterImageCache? {
        if let s = filterStore, s.path == identity { return s.cache }
        let cache = try? FilterImageCache.forModel(path: path, model: model)
        filterStore = (identity, cache)
        return cache
    }

    private func continueFilters(
        _ job: any FilterImageJob, key: FilterKey, ticket: Int, started: Date,
        save: @escaping (FilterImage) -> Void
    ) {
        idle.async { [self] in
            guard isCurrentFilterRequest(ticket) else { return filtersEnded(ticket) }
            let images = runner?.model.streamingDenseKernels { job.step() } ?? job.step()  // a long run: the dense
            // kernels' pages go while it runs (filter images never read them)
            let elapsed = Date().timeIntervalSince(started)
            events.post(
                .filterProgress(
                    FilterProgress(
                        key: key, filters: job.filters, stepsDone: job.stepsDone, stepsTotal: job.stepsTotal,
                        secondsLeft: elapsed / Double(job.stepsDone) * Double(job.stepsTotal - job.stepsDone))))
            images.forEach(save)
            if !images.isEmpty { events.post(.filterImages(key, images)) }
            if job.isFinished { return filtersEnded(ticket) }
            continueFilters(job, key: key, ticket: ticket, started: started, save: save)
        }
    }

    /// The floats a maker's buffers may hold for a job of `filters` filters, its lanes' runners included: 32 Mi floats
    /// (128 MiB) for a page of 64, in proportion for fewer (a dossier's one filter image: one lane of one image).
    /// Measured with `convscope bench --filters --filter-method lucid --filter-memory` (Zen 4): 64 images of
    /// `block3_conv1` and `block5_conv1` take as long in batches of 4 at 128 MiB as in 14 and 12 at 256 (17.1
    /// and 47.4 s against 18.8 and 46.6 s), and a soak's peaks came from the makers' buffers beside the rest.
    static func makerBudget(filters: Int) -> Int {
        let page = 64  // filters a page of the grid (`FilterSet.page`)
        return (32 << 20) / page * min(max(filters, 1), page)
    }

    /// Request `ticket`'s filter job is over: its maker goes unless a newer job runs on it, and the heap is trimmed
    /// once the queue is idle. A next page makes the maker again (milliseconds against the seconds its images take).
    private func filtersEnded(_ ticket: Int) {
        if makerTicket == ticket {
            filterMaker = nil
            makerTicket = nil
        }
        idle.jobEnded()
    }

    private func isCurrentFilterRequest(_ ticket: Int) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return ticket == newestFilterRequest
    }

    private func isStale(_ generation: Int) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return generation < newestImageGeneration
    }
}
