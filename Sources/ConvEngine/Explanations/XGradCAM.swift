/// XGrad-CAM (Fu et al., 2020): α_k = Σ_ij G · A / (Σ_ij A + 1e-7); map = Σ_k α_k A_k.
/// As pytorch-grad-cam's `xgrad_cam.py`.
public struct XGradCAM: CAMMethod {
    public let name = "xgradcam", title = "XGrad-CAM", usesGradients = true
    public init() {}

    public func rawMap(_ x: CAMInputs) -> [Float] {
        let sumA = x.perChannel { x.activations[$0] }
        let weights = x.perChannel { i in x.gradients[i] * x.activations[i] / (sumA[i % x.channels] + 1e-7) }
        return x.weightedSum(weights)
    }
}
