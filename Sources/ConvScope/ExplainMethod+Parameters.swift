import ConvEngine
import Foundation

extension ExplainMethod {
    /// The method's own parameters as a map's sidecar and `score`/`sanity --json` record them: enough, with the
    /// model, layer, class and preprocessing, to make the same map again.
    func parameters(model: Model, precision: AttributionPrecision) -> [String: Any] {
        switch self {
        case .cam(let m):
            guard let s = m as? ScoreCAM else { return [:] }
            return ["top_channels": s.topChannels.map { $0 as Any } ?? NSNull(), "batch": 16]
        case .attribution(let m):
            var p: [String: Any] = m.runsInFloat64 ? ["precision": precision.rawValue] : [:]
            if let g = m as? GuidedGradCAM { p["layer"] = g.layer ?? model.lastConvolution?.name ?? "" }
            if let ig = m as? IntegratedGradients {
                p["steps"] = ig.steps
                p["baseline"] = ig.baseline.name
                p["quadrature"] = "gausslegendre"
            }
            if let sg = m as? SmoothGrad {
                p["samples"] = sg.samples
                p["sigma"] = sg.sigma
            }
            if let o = m as? Occlusion {
                p["window"] = o.window
                p["stride"] = o.stride
                p["fill"] = o.fill
            }
            return p
        }
    }
}
