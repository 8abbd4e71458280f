/// A class's score on inputs that each differ from one base image only inside a box (`LocalChange`): occlusion's
/// windows over the image, Score-CAM's masked inputs over the zero image. Each batch recomputes only the part of each
/// layer its changes reach (`Runner.lastOutputs(changes:base:)`); a change with an empty box is the base image.
public struct LocalChangeScorer {
    /// Runs the batches (a runner's `batchRunner()`).
    let runner: Runner
    /// The base image's pass.
    public let base: Activations
    public let classIndex: Int
    public let kind: CAMScore
    /// The class's score on the base image.
    public let baseScore: Float

    /// The score for each change, in order. Changes are batched by size (the batch's crops are its largest box's).
    public func scores(_ changes: [LocalChange]) -> [Float] {
        scores(count: changes.count, box: { changes[$0].box }, values: { changes[$0].values })
    }

    /// The score for each of `count` changes, each made when its batch runs (`values(i)`: box `box(i)`'s values), so
    /// a few batches' values are held at a time.
    public func scores(count: Int, box: (Int) -> Box, values: (Int) -> [Float]) -> [Float] {
        var out = [Float](repeating: baseScore, count: count)
        let boxes = (0..<count).map(box)
        let order = boxes.indices.filter { !boxes[$0].isEmpty }.sorted {
            let (a, b) = (boxes[$0], boxes[$1])
            return a.area != b.area ? a.area > b.area : (a.height != b.height ? a.height > b.height : $0 < $1)
        }
        let units = runner.layers[runner.layers.count - 1].output.count
        // Each batch runs up to the head; the head takes its inputs `headBatch` at a time.
        let head = runner.headStart
        var waiting: [Int] = []
        var headInputs: [Float] = []
        func score(_ group: [Int], _ logits: [Float]) {
            for (j, index) in group.enumerated() {
                out[index] = runner.classification(logits: Array(logits[j * units..<(j + 1) * units]))
                    .score(classIndex, kind)
            }
        }
        var start = 0
        while start < order.count {
            let group = Array(order[start..<min(start + runner.batch, order.count)])
            let changes = group.map { LocalChange(box: boxes[$0], values: values($0)) }
            start += group.count
            guard let head else {
                score(group, runner.lastOutputs(changes: changes, base: base))
                continue
            }
            headInputs += runner.lastOutputs(changes: changes, base: base, through: head - 1)
            waiting += group
            if waiting.count + runner.batch > Runner.headBatch || start == order.count {
                score(waiting, runner.headOutputs(headInputs, count: waiting.count))
                waiting.removeAll(keepingCapacity: true)
                headInputs.removeAll(keepingCapacity: true)
            }
        }
        return out
    }
}

extension Runner {
    /// A scorer of changes to the image whose pass is `base`, for class `classIndex`'s `kind` of score (batches run
    /// on `batchRunner()`).
    public func localChangeScorer(base: Activations, classIndex: Int, kind: CAMScore) throws -> LocalChangeScorer {
        let own = try classify(base).score(classIndex, kind)
        return LocalChangeScorer(runner: batchRunner(), base: base, classIndex: classIndex, kind: kind, baseScore: own)
    }
}
