/// HiResCAM (Draelos & Carin, 2020): map = Σ_k G_k · A_k, the gradient kept per position (faithful to the score for
/// a head that is linear in the layer). As pytorch-grad-cam's `hirescam.py`.
public struct HiResCAM: CAMMethod {
    public let name = "hirescam", title = "HiResCAM", usesGradients = true
    public init() {}

    public func rawMap(_ x: CAMInputs) -> [Float] {
        x.weightedSum { $0 }
    }
}
