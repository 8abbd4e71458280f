/// HiResCAM (Draelos & Carin, 2020): map = Σ_k G_k · A_k, the gradient kept per position (faithful to the score for
/// a head that is linear in the layer). As pytorch-grad-cam's `hirescam.py`.
public struct HiResCAM: CAMMethod {
    public let name = "hirescam", title = "HiResCAM", usesGradients = true
    public init() {}

    public func rawMap(_ x: CAMInputs) -> [Float] {
        (0..<x.positions).map { p in
            var s: Float = 0
            for k in 0..<x.channels {
                let i = p * x.channels + k
                s += x.gradients[i] * x.activations[i]
            }
            return s
        }
    }
}
