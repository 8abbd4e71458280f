/// Guided backpropagation (Springenberg et al., 2015): the gradient with every ReLU passing back only positive
/// gradients where its input was positive. As Captum's `GuidedBackprop`.
public struct GuidedBackprop: AttributionMethod {
    public let name = "guided_backprop", title = "Guided Backprop"
    public var runsInFloat64: Bool { true }
    public init() {}
    public func attribute(_ x: AttributionInputs) throws -> [Float] { try x.gradient(rule: .guided) }
}
