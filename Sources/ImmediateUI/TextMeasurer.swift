/// Measures text for layout. The platform layer implements it with its fonts;
/// tests use `FixedWidthTextMeasurer`.
public protocol TextMeasurer {
    /// Size of `text` set on one line in the font for `role`, in logical units.
    func size(of text: String, role: FontRole) -> Vec2
}

/// A measurer where every character is `charWidth` wide and every line
/// `lineHeight` tall, whatever the role. For tests and headless use.
public struct FixedWidthTextMeasurer: TextMeasurer, Sendable {
    public var charWidth: Float
    public var lineHeight: Float

    public init(charWidth: Float = 8, lineHeight: Float = 16) {
        self.charWidth = charWidth
        self.lineHeight = lineHeight
    }

    public func size(of text: String, role: FontRole) -> Vec2 {
        Vec2(Float(text.count) * charWidth, lineHeight)
    }
}
