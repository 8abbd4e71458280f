/// LayerCAM (Jiang et al., 2021): map = Σ_k ReLU(G_k) · A_k, a weight per position and channel.
/// As pytorch-grad-cam's `layer_cam.py`.
public struct LayerCAM: CAMMethod {
    public let name = "layercam", title = "LayerCAM", usesGradients = true
    public init() {}

    public func rawMap(_ x: CAMInputs) -> [Float] {
        (0..<x.positions).map { p in
            var s: Float = 0
            for k in 0..<x.channels {
                let i = p * x.channels + k
                s += max(x.gradients[i], 0) * x.activations[i]
            }
            return s
        }
    }
}
