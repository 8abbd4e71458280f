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

        init(check: SanityCheck, request: CAMRequest, imageGeneration: Int, ticket: Int) {
            self.check = check
            self.request = request
            self.imageGeneration = imageGeneration
            self.ticket = ticket
        }
    }

    func sanity(_ request: CAMRequest, imageGeneration: Int, ticket: Int) {
        queue.async { [self] in
            guard let runner, let analysis = current, analysis.generation == imageGeneration,
                let c = analysis.classification
            else { return }
            let check = SanityCheck(
                model: runner.model, methods: SanityCheck.windowMethods(first: request.method), layer: request.layer,
                classIndex: request.classIndex ?? c.top(1)[0].index, score: request.score)
            let run = SanityRun(check: check, request: request, imageGeneration: imageGeneration, ticket: ticket)
            continueSanity(run, step: -1, method: 0)
        }
    }

    /// Step −1 makes the trained maps; step s compares every method on the network randomised through `steps[s]`.
    private func continueSanity(_ run: SanityRun, step: Int, method: Int) {
        queue.async { [self] in
            let check = run.check
            guard isCurrentComparison(run.ticket), step < check.steps.count, let runner,
                let analysis = current, analysis.generation == run.imageGeneration
            else {
                run.net = nil
                self.runner?.releaseRunMemory()  // the run is over: its buffers and kernels go
                return
            }
            let next = method + 1 < check.methods.count ? (step, method + 1) : (step + 1, 0)
            if step < 0 {
                do {
                    try run.check.train(method, runner: runner, activations: analysis.activations)
                } catch {
                    run.skipped.insert(method)
                    fail(run, check.methods[method].title, error)
                }
                return continueSanity(run, step: next.0, method: next.1)
            }
            let name = check.steps[step]
            do {
                if method == 0 {
                    if step == 0 { runner.dropBatchRunner() }  // the trained maps are made: its batch buffers go
                    let previous = run.net?.model ?? runner.model
                    run.net = nil  // the last step's runner and its buffers go before the next one's are made
                    let model = try previous.randomizing([name])
                    let r = Runner(model: model)
                    run.net = (model, r, try r.forward(analysis.activations.input))
                }
            } catch {
                return fail(run, name, error)  // no network for this step: the run ends here
            }
            if !run.skipped.contains(method), let net = run.net {
                do {
                    let s = try check.compare(method, runner: net.runner, activations: net.activations)
                    events.post(
                        .sanity(
                            SanityPoint(
                                generation: run.imageGeneration, request: run.request,
                                method: check.methods[method].name, title: check.methods[method].title,
                                layer: name, step: step, spearman: s.spearman, ssim: s.ssim, of: check.steps.count,
                                methods: check.methods.count)))
                } catch {
                    run.skipped.insert(method)
                    fail(run, check.methods[method].title, error)
                }
            }
            continueSanity(run, step: next.0, method: next.1)
        }
    }

    private func fail(_ run: SanityRun, _ name: String, _ error: Error) {
        compareFailed(run.request, .sanity, name, error, run.imageGeneration)
    }
}
