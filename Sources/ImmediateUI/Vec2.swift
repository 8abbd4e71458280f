/// A 2-D point or size in logical (unscaled) units.
///
/// All ImmediateUI geometry is logical; the platform layer multiplies by
/// `InputSnapshot.scale` when it rasterises.
public struct Vec2: Hashable, Sendable {
    public var x: Float
    public var y: Float

    public init(_ x: Float, _ y: Float) {
        self.x = x
        self.y = y
    }

    public static let zero = Vec2(0, 0)

    public static func + (a: Vec2, b: Vec2) -> Vec2 { Vec2(a.x + b.x, a.y + b.y) }
    public static func - (a: Vec2, b: Vec2) -> Vec2 { Vec2(a.x - b.x, a.y - b.y) }
    public static func * (a: Vec2, s: Float) -> Vec2 { Vec2(a.x * s, a.y * s) }
}
