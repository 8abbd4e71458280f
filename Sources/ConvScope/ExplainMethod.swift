import ArgumentParser
import ConvEngine

/// A method `convscope explain` runs: a class activation map at a layer, or an attribution over the input.
enum ExplainMethod {
    case cam(any CAMMethod)
    case attribution(any AttributionMethod)

    static var names: [String] { CAMMethods.all.map(\.name) + AttributionMethods.all.map(\.name) }

    init?(_ name: String, scoreCamTop: Int?) {
        if let m = CAMMethods.named(name) {
            self = .cam(m is ScoreCAM ? ScoreCAM(topChannels: scoreCamTop) : m)
        } else if let m = AttributionMethods.named(name) {
            self = .attribution(m)
        } else {
            return nil
        }
    }

    /// The methods a `--method` / `--methods` value names: comma-separated names, or all.
    static func list(_ value: String, scoreCamTop: Int?) throws -> [ExplainMethod] {
        let names = value.lowercased() == "all" ? Self.names : value.split(separator: ",").map(String.init)
        return try names.map { name in
            guard let m = ExplainMethod(name.trimmingCharacters(in: .whitespaces), scoreCamTop: scoreCamTop) else {
                throw ValidationError("unknown method \(name); methods: \(Self.names.joined(separator: ", ")), all")
            }
            return m
        }
    }

    var needsClassifier: Bool {
        switch self {
        case .cam(let m): return m.usesGradients || m.usesForwardPasses
        case .attribution: return true
        }
    }

    /// The forward pass the methods need: through their CAM layer when none needs the classifier (Eigen-CAM), else
    /// the whole model.
    static func forward(_ methods: [ExplainMethod], _ runner: Runner, _ input: FeatureMap, layer: String?) throws
        -> Activations
    {
        let model = runner.model
        guard !methods.contains(where: \.needsClassifier) else { return try runner.forward(input) }
        guard let info = try layer.map({ try model.hiddenLayer($0) }) ?? model.lastConvolution else {
            throw EngineError.unknownLayer(layer ?? "(last convolution)", known: model.hiddenLayers.map(\.name))
        }
        return try runner.forward(input, through: info.last)
    }

    func run(
        _ runner: Runner, _ a: Activations, classification c: Classification?, layer: String?, classIndex: Int?,
        score: CAMScore, precision: AttributionPrecision = .single
    ) throws -> ExplainedMap {
        switch self {
        case .cam(let m):
            let map = {
                try runner.classActivationMap(
                    m, a, classification: c, layer: layer, classIndex: classIndex, score: score)
            }
            // Score-CAM and Ablation-CAM run many batched passes: the dense kernels are streamed meanwhile.
            let r = try m.usesForwardPasses ? runner.model.streamingDenseKernels(map) : map()
            return ExplainedMap(
                method: m.name, layer: r.layer.name, classIndex: r.classIndex, height: r.layer.height,
                width: r.layer.width, display: r.map, values: r.map, shape: [r.layer.height, r.layer.width],
                valuesDescription: "the map: ReLU, then (m - min) / (1e-7 + max)",
                parameters: parameters(model: runner.model, precision: precision))
        case .attribution(let m):
            let k = classIndex ?? (c?.top(1).first?.index ?? 0)
            let values = try runner.attribution(m, a, classIndex: k, score: score, precision: precision)
            let s = a.input
            return ExplainedMap(
                method: m.name, layer: nil, classIndex: k, height: s.height, width: s.width,
                display: AttributionMethods.displayMap(values, channels: s.channels), values: values,
                shape: [s.height, s.width, s.channels],
                valuesDescription: "attribution per input value (preprocessed image, H x W x C); the PNG "
                    + "shows max |attribution| over channels / its maximum",
                parameters: parameters(model: runner.model, precision: precision))
        }
    }
}
