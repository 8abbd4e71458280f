import ConvEngine
import Foundation

/// A compare cell's map waiting for its ROAD scores, at the input's resolution.
struct ROADWork {
    let name: String
    let map: [Float]
    let classIndex: Int
}

/// ROAD for one compare cell, after the cell itself (`CompareCell.road` was nil).
struct CompareROAD {
    let generation: Int
    let request: CAMRequest
    let name: String
    let road: ROADScores
}

extension EngineWorker {
    /// After every cell has its deletion and insertion, ROAD (18 forward passes and 18 imputations a map) for the cells
    /// that came without it, one per queue item, so the scoreboard ranks every entry by it; a newer comparison or
    /// `cancelComparison` ends it between two cells. Then the run's buffers go.
    func continueROAD(
        _ request: CAMRequest, _ axis: CompareAxis, _ left: ArraySlice<ROADWork>, imageGeneration: Int, ticket: Int
    ) {
        idle.async { [self] in
            guard isCurrentComparison(ticket), let work = left.first, let runner, let analysis = current,
                analysis.generation == imageGeneration
            else {
                runner?.releaseRunMemory()  // the run is over: its batch runner goes, and its heap pages once idle
                idle.jobEnded()
                return
            }
            do {
                let road = try runner.model.streamingDenseKernels {  // a long run: the dense kernels are streamed
                    try runner.road(input: analysis.activations.input, map: work.map, classIndex: work.classIndex)
                }
                events.post(
                    .comparedROAD(
                        CompareROAD(
                            generation: imageGeneration, request: request.comparisonKey(axis), name: work.name,
                            road: road)))
            } catch {  // the cell keeps its map and scores; the status bar says why ROAD is missing
                compareFailed(
                    request.comparisonKey(axis), axis, work.name, error, imageGeneration, road: true)
            }
            continueROAD(request, axis, left.dropFirst(), imageGeneration: imageGeneration, ticket: ticket)
        }
    }
}
