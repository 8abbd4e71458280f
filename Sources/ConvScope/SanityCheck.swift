import ConvEngine

/// Adebayo et al.'s cascading randomisation ("Sanity Checks for Saliency Maps", NeurIPS 2018) for several methods on
/// one image: the model's weighted layers are re-initialised one more at a time from the output down
/// (`Model.randomizing`), every method's map is recomputed on each network for the same class, and each is compared
/// with its map on the trained network (Spearman rank correlation and SSIM of the shown maps, both 1 for an
/// unchanged map). `convscope sanity` and the window's sanity view both run it.
struct SanityCheck {
    let methods: [ExplainMethod]
    /// The CAM methods' layer (nil: the last convolution).
    let layer: String?
    let classIndex: Int
    let score: CAMScore
    /// The weighted layers in the order they are randomised.
    let steps: [String]
    /// Each method's map on the trained network, filled by `train`.
    private(set) var trained: [ExplainedMap?]

    struct Similarity {
        let spearman: Float
        let ssim: Float
    }

    /// The gradient methods' arithmetic (`convscope sanity --precision`).
    var precision = AttributionPrecision.single

    init(model: Model, methods: [ExplainMethod], layer: String?, classIndex: Int, score: CAMScore) {
        self.methods = methods
        self.layer = layer
        self.classIndex = classIndex
        self.score = score
        steps = model.weightedLayersTopDown
        trained = Array(repeating: nil, count: methods.count)
    }

    /// The methods the window's check runs: `first` (the pane's), then the rest from the cheapest. Score-CAM keeps its
    /// 64 strongest channels, as Faster Score-CAM does: all 512 at every step would take minutes on VGG16.
    static func windowMethods(first: String) -> [ExplainMethod] {
        let all = ExplainMethod.names.compactMap { ExplainMethod($0, scoreCamTop: 64) }
        return all.filter { $0.name == first } + all.filter { $0.name != first }.sorted { $0.cost < $1.cost }
    }

    /// Method `i`'s map on the trained network (`runner` and its pass `a`).
    mutating func train(_ i: Int, runner: Runner, activations a: Activations) throws {
        trained[i] = try run(i, runner, a)
    }

    /// How alike method `i`'s map on `runner` (a randomised network, its pass `a`) is to its trained map.
    func compare(_ i: Int, runner: Runner, activations a: Activations) throws -> Similarity {
        guard let before = trained[i] else { preconditionFailure("train(\(i)) first") }
        let after = try run(i, runner, a)
        return Similarity(
            spearman: MapSimilarity.spearman(before.display, after.display),
            ssim: MapSimilarity.ssim(before.display, after.display, height: after.height, width: after.width))
    }

    private func run(_ i: Int, _ runner: Runner, _ a: Activations) throws -> ExplainedMap {
        try methods[i].run(
            runner, a, classification: try runner.classify(a), layer: layer, classIndex: classIndex, score: score,
            precision: precision)
    }
}

extension ExplainMethod {
    var name: String {
        switch self {
        case .cam(let m): return m.name
        case .attribution(let m): return m.name
        }
    }

    var title: String {
        switch self {
        case .cam(let m as ScoreCAM): return m.topChannels.map { "Score-CAM (top \($0))" } ?? m.title
        case .cam(let m): return m.title
        case .attribution(let m): return m.title
        }
    }

    /// Rough order of cost: one backward pass, a few, then the ones that run tens to hundreds of passes.
    var cost: Int {
        switch self {
        case .cam(let m): return m.usesForwardPasses ? (m is ScoreCAM ? 4 : 3) : (m.usesGradients ? 0 : 1)
        case .attribution(let m):
            return m is IntegratedGradients || m is SmoothGrad ? 5 : (m is Occlusion ? 6 : 0)
        }
    }
}
