/// An 8-bit-per-channel RGBA colour (straight, not premultiplied, alpha).
public struct Color: Hashable, Sendable {
    public var r: UInt8
    public var g: UInt8
    public var b: UInt8
    public var a: UInt8

    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8, _ a: UInt8 = 255) {
        self.r = r
        self.g = g
        self.b = b
        self.a = a
    }

    /// `Color(hex: 0x4C8DFF)` is the colour written `#4C8DFF`.
    public init(hex: UInt32, alpha: UInt8 = 255) {
        self.init(UInt8(hex >> 16 & 0xFF), UInt8(hex >> 8 & 0xFF), UInt8(hex & 0xFF), alpha)
    }

    /// The same colour with another alpha.
    public func withAlpha(_ a: UInt8) -> Color { Color(r, g, b, a) }

    public static let white = Color(255, 255, 255)
    public static let black = Color(0, 0, 0)
    public static let clear = Color(0, 0, 0, 0)
}
