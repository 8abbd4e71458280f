/// An axis-aligned rectangle in logical units; `(x, y)` is the top-left corner.
public struct Rect: Hashable, Sendable {
    public var x: Float
    public var y: Float
    public var w: Float
    public var h: Float

    public init(_ x: Float, _ y: Float, _ w: Float, _ h: Float) {
        self.x = x
        self.y = y
        self.w = w
        self.h = h
    }

    public init(origin: Vec2, size: Vec2) {
        self.init(origin.x, origin.y, size.x, size.y)
    }

    public static let zero = Rect(0, 0, 0, 0)

    public var maxX: Float { x + w }
    public var maxY: Float { y + h }
    public var origin: Vec2 { Vec2(x, y) }
    public var size: Vec2 { Vec2(w, h) }
    public var center: Vec2 { Vec2(x + w / 2, y + h / 2) }

    /// True when `p` lies inside; the right and bottom edges are exclusive.
    public func contains(_ p: Vec2) -> Bool {
        p.x >= x && p.y >= y && p.x < maxX && p.y < maxY
    }

    /// The overlap of two rectangles; empty (zero size) when they are disjoint.
    public func intersection(_ o: Rect) -> Rect {
        let x0 = max(x, o.x), y0 = max(y, o.y)
        return Rect(x0, y0, max(0, min(maxX, o.maxX) - x0), max(0, min(maxY, o.maxY) - y0))
    }

    /// The smallest rectangle holding both.
    public func union(_ o: Rect) -> Rect {
        let x0 = min(x, o.x), y0 = min(y, o.y)
        return Rect(x0, y0, max(maxX, o.maxX) - x0, max(maxY, o.maxY) - y0)
    }

    /// Shrinks by `d.x` on the left and right and by `d.y` on the top and bottom.
    public func inset(by d: Vec2) -> Rect {
        Rect(x + d.x, y + d.y, max(0, w - 2 * d.x), max(0, h - 2 * d.y))
    }

    /// Every component multiplied by `s` (logical units to pixels).
    public func scaled(by s: Float) -> Rect {
        Rect(x * s, y * s, w * s, h * s)
    }
}
