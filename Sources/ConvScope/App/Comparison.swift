import ConvEngine

/// A class activation map as the CAM pane shows it: the method's title, where, for which class and score.
struct CAMMap {
    let method: String
    let layer: LayerInfo
    let classIndex: Int
    let scoreValue: Float
    /// layer.height × layer.width, 0…1 (pytorch-grad-cam's normalisation).
    let map: [Float]
}

/// What the compare view lays side by side: every method at the current layer, or the current method at every
/// convolution (with LayerCAM's fusion of them all).
/// Or the sanity check: every method's map as the network's layers are randomised from the output down.
enum CompareAxis: String, CaseIterable { case methods, layers, sanity }

extension CAMRequest {
    /// The request without what `axis` varies: its cells answer every request that differs only there.
    func comparisonKey(_ axis: CompareAxis) -> CAMRequest {
        var key = self
        switch axis {
        case .methods: key.method = ""
        case .layers: key.layer = "*"
        case .sanity: break
        }
        return key
    }
}

/// One entry in the compare view (a method, a layer, or the fusion): its map and how far the network agrees with it.
struct CompareCell {
    let generation: Int
    /// The request it answers, what the axis varies left out (`comparisonKey`).
    let request: CAMRequest
    /// `CAMMethod.name` or the layer's name (`CompareView.fusion` for the fusion): a click makes it the pane's.
    let name: String
    let map: CAMMap
    let scores: Faithfulness
    /// ROAD (most- and least-relevant first, noisy linear imputation): it costs 18 forward passes and 18 imputations,
    /// so the entry whose curves the view plots comes with it and the others get theirs after every cell has arrived
    /// (`CompareROAD`).
    var road: ROADScores?
    let seconds: Double
}

/// The compare view's cells for one image and request, in the order they arrived.
struct Comparison {
    var generation = -1
    var axis = CompareAxis.methods
    var request = CAMRequest()
    var cells: [CompareCell] = []
    /// Cells that could not be computed, by name, with the reason (shown in the cell; they count as done).
    var failures: [String: String] = [:]
    /// Cells whose ROAD could not be computed, by name, with the reason (the status bar says it; they count as done).
    var roadFailures: [String: String] = [:]
    /// The sanity check's points, every method's, in the order they arrived.
    var sanity: [SanityPoint] = []
    /// The sanity check has run to its end (however many of its maps failed).
    var sanityEnded = false

    /// Cells finished either way.
    var done: Int { cells.count + failures.count }
    /// Cells whose ROAD has arrived or failed.
    var roadDone: Int { cells.filter { $0.road != nil || roadFailures[$0.name] != nil }.count }
}

/// A compare cell or sanity step that failed: which run, which entry, why.
struct CompareFailure {
    let generation: Int
    let request: CAMRequest
    let axis: CompareAxis
    /// The cell's name, or the layer the sanity check was randomising.
    let name: String
    let message: String
    /// Only the cell's ROAD failed (the cell itself has arrived).
    var road = false
}

/// One method's map after randomising the weighted layers down to `layer` (step `step` of `of`), against its map on
/// the trained network.
struct SanityPoint {
    let generation: Int
    let request: CAMRequest
    /// `ExplainMethod.name` and title.
    let method: String, title: String
    let layer: String
    /// −1: the method's map on the trained network is made (its curve's start, 1 by definition).
    let step: Int
    let spearman: Float
    let ssim: Float
    /// Steps in all (the model's weighted layers), and methods in the run.
    let of: Int, methods: Int
}
