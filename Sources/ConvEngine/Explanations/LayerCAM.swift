/// LayerCAM (Jiang et al., 2021): map = Σ_k ReLU(G_k) · A_k, a weight per position and channel.
/// As pytorch-grad-cam's `layer_cam.py`.
public struct LayerCAM: CAMMethod {
    public let name = "layercam", title = "LayerCAM", usesGradients = true
    public init() {}

    public func rawMap(_ x: CAMInputs) -> [Float] {
        x.weightedSum { max($0, 0) }
    }
}
