import ConvEngine
import Foundation

/// The sanity check in the window: every method's map on the trained network, then on the network randomised one
/// weighted layer further from the output down, one map per queue item so a newer comparison, an image drop or
/// `cancelComparison` ends it between two maps. Each step's network is made once and every method runs on it.
extension EngineWorker {
    /// A run's state, touched only on the engine queue.
    final class SanityRun {
        var check: SanityCheck
        let request: CAMRequest
        let imageGeneration: Int, ticket: Int
        /// The network of the step being run (nil before the first), and its runner and pass.
        var net: (model: Model, runner: Runner, activations: Activations)?
        /// Methods whose trained map failed: they are left out of every step.
        var skipped: Set<Int> = []
        /// The trained model and its layers parked while the randomised network stands in for them (`Model.park`).
        var parked: (model: Model, layers: [Int])?
        /// The trained model's dense kernels streamed while the run lasts: the first steps' networks share them
        /// (VGG16's trained fc1 and fc2 until their own step), and a pass would otherwise hold their 472 MB.
        var streaming: DenseKernelStreaming?

        init(check: SanityCheck, request: CAMRequest, imageGeneration: Int, ticket: Int) {
            self.check = check
            self.request = request
            self.imageGeneration = imageGeneration
            self.ticket = ticket
        }
    }

    func sanity(_ request: CAMRequest, imageGeneration: Int, ticket: Int) {
        idle.async { [self] in
            guard let runner, let analysis = current, analysis.generation == imageGeneration,
                let c = analysis.classification
            else { return }
            let check = SanityCheck(
                model: runner.model, methods: SanityCheck.windowMethods(first: request.method), layer: request.layer,
                classIndex: request.classIndex ?? c.top(1)[0].index, score: request.score)
            let run = SanityRun(check: check, request: request, imageGeneration: imageGeneration, ticket: ticket)
            run.streaming = DenseKernelStreaming(runner.model)
            continueSanity(run, step: -1, method: 0)
        }
    }

    /// Step −1 makes the trained maps; step s compares every method on the network randomised through `steps[s]`.
    private func continueSanity(_ run: SanityRun, step: Int, method: Int) {
        idle.async { [self] in
            let check = run.check
            guard isCurrentComparison(run.ticket), step < check.steps.count, let runner,
                let analysis = current, analysis.generation == run.imageGeneration
            else { return end(run) }
            let next = method + 1 < check.methods.count ? (step, method + 1) : (step + 1, 0)
            if step < 0 {
                do {
                    try run.check.train(method, runner: runner, activations: analysis.activations)
                    post(run, method: method, layer: "", step: -1, SanityCheck.Similarity(spearman: 1, ssim: 1))
                } catch {
                    run.skipped.insert(method)
                    fail(run, check.methods[method].title, error)
                }
                // Score-CAM's and Ablation-CAM's batch buffers go with their map (made or failed), not at the first
                // step: the other trained maps and a dossier opened meanwhile ran beside them.
                runner.dropBatchRunner()
                return continueSanity(run, step: next.0, method: next.1)
            }
            let name = check.steps[step]
            do {
                if method == 0 {
                    if step == 0 { runner.dropBatchRunner() }  // the trained maps are made: its batch buffers go
                    let previous = run.net?.model ?? runner.model
                    run.net = nil  // the last step's runner and its buffers go before the next one's are made
                    // The trained layer is not used again until the run ends: it goes meanwhile, before its
                    // randomised copy is made, where it can come back (VGG16's trained fc1: 392 MiB).
                    let trained = runner.model
                    if let i = trained.layers.firstIndex(where: { $0.name == name }), trained.park(i) {
                        run.parked = (trained, (run.parked?.layers ?? []) + [i])
                    }
                    let model = try previous.randomizing([name])
                    let r = Runner(model: model)
                    run.net = (model, r, try r.forward(analysis.activations.input))
                }
            } catch {
                fail(run, name, error)
                return end(run)  // no network for this step: the run ends here
            }
            if !run.skipped.contains(method), let net = run.net {
                do {
                    let s = try check.compare(method, runner: net.runner, activations: net.activations)
                    post(run, method: method, layer: name, step: step, s)
                } catch {
                    run.skipped.insert(method)
                    fail(run, check.methods[method].title, error)
                }
            }
            continueSanity(run, step: next.0, method: next.1)
        }
    }

    /// The run is over: its network, buffers and kernels go, and the trained layers parked meanwhile come back (if
    /// their model is still the one loaded). A job that ran between two steps found them read back on first use.
    private func end(_ run: SanityRun) {
        if isCurrentComparison(run.ticket) {  // not replaced by a newer run: over, done or failed
            events.post(.sanityEnded(generation: run.imageGeneration, request: run.request))
        }
        run.net = nil
        run.streaming = nil  // before the parked layers come back (not read while the window streams them)
        runner?.releaseRunMemory()
        if let p = run.parked, runner?.model.winograd === p.model.winograd { p.model.unpark(p.layers) }
        run.parked = nil
        idle.jobEnded()
    }

    /// Method `method`'s map at `step` (−1: on the trained network) is made.
    private func post(_ run: SanityRun, method: Int, layer: String, step: Int, _ s: SanityCheck.Similarity) {
        let check = run.check
        events.post(
            .sanity(
                SanityPoint(
                    generation: run.imageGeneration, request: run.request, method: check.methods[method].name,
                    title: check.methods[method].title, layer: layer, step: step, spearman: s.spearman, ssim: s.ssim,
                    of: check.steps.count, methods: check.methods.count)))
    }

    private func fail(_ run: SanityRun, _ name: String, _ error: Error) {
        compareFailed(run.request, .sanity, name, error, run.imageGeneration)
    }
}
