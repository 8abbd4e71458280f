/// Grad-CAM++ (Chattopadhay et al., 2018, eq. 19): a_ij = G² / (2G² + Σ_ij A · G³ + 1e-6), zero where G is zero;
/// α_k = Σ_ij ReLU(G) · a_ij; map = Σ_k α_k A_k. As pytorch-grad-cam's `grad_cam_plusplus.py`.
public struct GradCAMPlusPlus: CAMMethod {
    public let name = "gradcam++", title = "Grad-CAM++", usesGradients = true
    public init() {}

    public func rawMap(_ x: CAMInputs) -> [Float] {
        let sumA = x.perChannel { x.activations[$0] }
        let weights = x.perChannel { i in
            let g = x.gradients[i]
            guard g != 0 else { return 0 }
            let g2 = g * g
            let g3 = g2 * g
            let a = g2 / (2 * g2 + sumA[i % x.channels] * g3 + 1e-6)
            return max(g, 0) * a
        }
        return x.weightedSum(weights)
    }
}
