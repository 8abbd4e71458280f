/// Grad-CAM (Selvaraju et al., 2017): α_k = mean over positions of G; map = Σ_k α_k A_k.
/// As pytorch-grad-cam's `grad_cam.py`.
public struct GradCAMMethod: CAMMethod {
    public let name = "gradcam", title = "Grad-CAM", usesGradients = true, usesOnlyGradientSums = true
    public init() {}

    public func rawMap(_ x: CAMInputs) -> [Float] {
        let n = Float(x.positions)
        return x.weightedSum(x.channelGradientSums().map { $0 / n })
    }
}
