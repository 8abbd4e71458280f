/// Saliency (Simonyan et al., 2014): |∂score/∂input|. As Captum's `Saliency` (abs=True).
public struct Saliency: AttributionMethod {
    public let name = "saliency", title = "Saliency"
    public var runsInFloat64: Bool { true }
    public init() {}
    public func attribute(_ x: AttributionInputs) throws -> [Float] { try x.gradient().map(abs) }
}
