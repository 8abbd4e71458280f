/// Deconvnet (Zeiler & Fergus, 2014): the gradient with every ReLU passing back only positive gradients, whatever its
/// input was. As Captum's `Deconvolution`.
public struct Deconvnet: AttributionMethod {
    public let name = "deconvnet", title = "Deconvnet"
    public var runsInFloat64: Bool { true }
    public init() {}
    public func attribute(_ x: AttributionInputs) throws -> [Float] { try x.gradient(rule: .deconvnet) }
}
