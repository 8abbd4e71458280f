import ArgumentParser
import ConvEngine

/// The input-attribution methods' parameters on the command line (`explain`, `score`, `sanity`): Integrated
/// Gradients' steps and baseline, SmoothGrad's samples and σ, occlusion's window, stride and fill, and the arithmetic
/// of the gradient methods. The defaults are the methods' own (Captum's where it has one).
struct AttributionOptions: ParsableArguments {
    enum BaselineName: String, ExpressibleByArgument, CaseIterable { case black, blurred }

    @Option(help: "Integrated Gradients: Gauss–Legendre steps along the path.") var igSteps = IntegratedGradients()
        .steps
    @Option(help: "Integrated Gradients: the baseline, black or blurred (the image under an 11×11 Gaussian, σ 5).")
    var igBaseline: BaselineName = .black
    @Option(help: "SmoothGrad: noisy samples averaged.") var smoothgradSamples = SmoothGrad().samples
    @Option(help: "SmoothGrad: the noise's σ in the network's input units.") var smoothgradSigma = SmoothGrad().sigma
    @Option(help: "Occlusion: the window's side in pixels.") var occlusionWindow = Occlusion().window
    @Option(help: "Occlusion: the window's stride in pixels.") var occlusionStride = Occlusion().stride
    @Option(help: ArgumentHelp(AttributionOptions.fillHelp)) var occlusionFill = Occlusion().fill
    @Option(help: ArgumentHelp(AttributionOptions.precisionHelp)) var precision: AttributionPrecision = .single

    func validate() throws {
        guard (1...10_000).contains(igSteps) else { throw ValidationError("--ig-steps must be 1…10000") }
        guard (1...10_000).contains(smoothgradSamples) else {
            throw ValidationError("--smoothgrad-samples must be 1…10000")
        }
        guard smoothgradSigma.isFinite && smoothgradSigma >= 0 else {
            throw ValidationError("--smoothgrad-sigma must be a number ≥ 0")
        }
        guard occlusionWindow >= 1, occlusionStride >= 1 else {
            throw ValidationError("--occlusion-window and --occlusion-stride must be at least 1")
        }
        guard occlusionFill.isFinite else { throw ValidationError("--occlusion-fill must be a number") }
    }

    /// Throws for a method `precision` cannot run it in (before any model is read): float64 is for the gradient
    /// methods only.
    func checkPrecision(_ methods: [ExplainMethod]) throws {
        guard precision == .double else { return }
        for m in methods {
            switch m {
            case .cam: throw ValidationError(AttributionOptions.camInFloat64)
            case .attribution(let a) where !a.runsInFloat64:
                throw ValidationError(EngineError.notInFloat64(method: a.title).description)
            case .attribution: break
            }
        }
    }

    /// `methods` with these parameters; guided Grad-CAM at `layer` (by its name in `model`). Throws for a method
    /// these options cannot run (float64 for a CAM, occlusion or guided Grad-CAM; an occlusion window larger than
    /// the network's input).
    func applied(to methods: [ExplainMethod], layer: String?, model: Model) throws -> [ExplainMethod] {
        try checkPrecision(methods)
        let input = model.input
        return try methods.map { m in
            guard case .attribution(let a) = m else { return m }
            switch a {
            case is IntegratedGradients:
                return .attribution(
                    IntegratedGradients(steps: igSteps, baseline: igBaseline == .black ? .black : .blurred))
            case is SmoothGrad:
                return .attribution(SmoothGrad(samples: smoothgradSamples, sigma: smoothgradSigma))
            case is Occlusion:
                guard occlusionWindow <= min(input.height, input.width) else {
                    throw ValidationError(
                        "--occlusion-window \(occlusionWindow) is larger than the network's input "
                            + "(\(input.width)×\(input.height))")
                }
                return .attribution(Occlusion(window: occlusionWindow, stride: occlusionStride, fill: occlusionFill))
            case is GuidedGradCAM:
                return .attribution(GuidedGradCAM(layer: try layer.map { try model.hiddenLayer($0).name }))
            default:
                return m
            }
        }
    }

    static let fillHelp =
        "Occlusion: the value the window is filled with, in the network's input units (0: the mean colour under "
        + "caffe preprocessing)."
    static let precisionHelp =
        "Gradient methods' arithmetic: single (float32, fast) or double (float64 passes, several times slower; a "
        + "reference no rounding at ReLU kinks decides)."
    static let camInFloat64 =
        "--precision double is for the gradient methods at the input (saliency, guided backprop, deconvnet, "
        + "integrated_gradients, smoothgrad); class activation maps run in float32"
}

extension AttributionPrecision: ExpressibleByArgument {}
