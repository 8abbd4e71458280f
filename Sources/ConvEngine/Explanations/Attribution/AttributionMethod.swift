/// One input-attribution method: how much each input value (the preprocessed image, height × width × channels) moves
/// the class's score. One file each behind this protocol, listed in `AttributionMethods.all`, as Captum implements
/// them; `Runner.attribution` runs any of them.
public protocol AttributionMethod {
    /// The command line's name: "saliency", "integrated_gradients", …
    var name: String { get }
    /// The name people know: "Integrated Gradients".
    var title: String { get }
    /// The attribution, position-major like the input (height × width × channels).
    func attribute(_ x: AttributionInputs) throws -> [Float]
    /// Whether it runs in float64 when asked (`AttributionPrecision.double`): the methods made only of input
    /// gradients say so; any other would run in float32 while its sidecar said float64.
    var runsInFloat64: Bool { get }
}

extension AttributionMethod {
    public var runsInFloat64: Bool { false }
}

/// The arithmetic of a gradient method's passes: float32 (the engine's own, fast) or float64 (`Float64Pass`, several
/// times slower; a reference no float32 engine's rounding decides).
public enum AttributionPrecision: String, Sendable, CaseIterable {
    case single, double
}

/// What a method works from: the runner, the image's forward pass, the class and the score explained.
public struct AttributionInputs {
    public let runner: Runner
    public let activations: Activations
    public let classIndex: Int
    public let score: CAMScore
    public var precision: AttributionPrecision
    public var input: FeatureMap { activations.input }

    public init(
        runner: Runner, activations: Activations, classIndex: Int, score: CAMScore,
        precision: AttributionPrecision = .single
    ) {
        self.runner = runner
        self.activations = activations
        self.classIndex = classIndex
        self.score = score
        self.precision = precision
    }

    /// ∂score/∂input at `input` (the image's own pass when nil), with `rule` at every ReLU; in float64 and rounded
    /// once at the end when `precision` says so.
    public func gradient(at input: FeatureMap? = nil, rule: ReLURule = .plain) throws -> [Float] {
        if precision == .double {
            return try gradient64(at: (input ?? self.input).data.map(Double.init), rule: rule).map { Float($0) }
        }
        let a = try input.map { try runner.forward($0) } ?? activations
        let c = try runner.classify(a)
        return runner.backward(
            c.scoreGradient(classIndex, score), from: runner.layers.count - 1, to: -1,
            activations: a, rule: rule)
    }

    /// ∂score/∂input at `input` in float64 (`Float64Pass`), whatever `precision` says.
    public func gradient64(at input: [Double], rule: ReLURule = .plain) throws -> [Double] {
        try Float64Pass(model: runner.model, ways: runner.ways).inputGradient(
            at: input, classIndex: classIndex, score: score, rule: rule)
    }

    /// The class's score for each of `n` inputs laid one after another, `batch` at a time.
    public func scores(_ inputs: [Float], count n: Int, batch: Runner) -> [Float] {
        runner.classScores(inputs, count: n, classIndex: classIndex, kind: score, batch: batch)
    }

    /// The same input with new values.
    func map(_ values: [Float]) -> FeatureMap {
        FeatureMap(height: input.height, width: input.width, channels: input.channels, data: values)
    }
}

/// The methods, in the order `convscope explain` lists them.
public enum AttributionMethods {
    public static let all: [any AttributionMethod] = [
        Saliency(), GuidedBackprop(), Deconvnet(), GuidedGradCAM(),
        IntegratedGradients(), SmoothGrad(), Occlusion(),
    ]

    public static func named(_ name: String) -> (any AttributionMethod)? {
        all.first { $0.name == name.lowercased() || $0.title.lowercased() == name.lowercased() }
    }

    /// The map shown: the largest |attribution| over each position's channels, scaled so the largest is 1.
    public static func displayMap(_ attribution: [Float], channels: Int) -> [Float] {
        let map = stride(from: 0, to: attribution.count, by: channels).map { p in
            (0..<channels).reduce(Float(0)) { max($0, abs(attribution[p + $1])) }
        }
        let top = map.max() ?? 0
        return top > 0 ? map.map { $0 / top } : map
    }
}

extension Runner {
    /// Runs `method` for class `classIndex` (nil: the top class) of the image whose pass is `a`, its gradients in
    /// `precision` (float64 only for a method that `runsInFloat64`).
    public func attribution(
        _ method: any AttributionMethod, _ a: Activations, classIndex: Int? = nil,
        score: CAMScore = .logit, precision: AttributionPrecision = .single
    ) throws -> [Float] {
        let c = try classify(a)
        let k = classIndex ?? c.top(1)[0].index
        guard k >= 0 && k < model.classes else { throw EngineError.classOutOfRange(k, classes: model.classes) }
        guard precision == .single || method.runsInFloat64 else {
            throw EngineError.notInFloat64(method: method.title)
        }
        return try method.attribute(
            AttributionInputs(runner: self, activations: a, classIndex: k, score: score, precision: precision))
    }
}
