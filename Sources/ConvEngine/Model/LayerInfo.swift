/// One hidden layer: a convolution or pooling layer with the element-wise layers after it folded in.
public struct LayerInfo: Equatable, Sendable {
    public enum Kind: Equatable, Sendable { case conv(inChannels: Int, outChannels: Int), pool }
    /// Position among the hidden layers, from 0.
    public let index: Int
    public let name: String
    public let kind: Kind
    public let height: Int, width: Int, channels: Int
    /// The model layers it spans: the convolution or pool, and the last element-wise layer folded into it.
    public let first: Int, last: Int

    public init(index: Int, name: String, kind: Kind, height: Int, width: Int, channels: Int, first: Int, last: Int) {
        self.index = index; self.name = name; self.kind = kind; self.height = height; self.width = width
        self.channels = channels; self.first = first; self.last = last
    }

    public var isConv: Bool { if case .conv = kind { return true } else { return false } }
    /// "block3_conv2 · 56×56×256"
    public var label: String { "\(name) · \(height)×\(width)×\(channels)" }
    public var count: Int { height * width * channels }
}
