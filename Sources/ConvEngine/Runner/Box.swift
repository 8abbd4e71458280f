/// A rectangle of a feature map or image: rows `y0..<y1`, columns `x0..<x1`.
public struct Box: Equatable, Hashable, Sendable {
    public var y0: Int, y1: Int, x0: Int, x1: Int

    public init(y0: Int, y1: Int, x0: Int, x1: Int) {
        self.y0 = y0
        self.y1 = y1
        self.x0 = x0
        self.x1 = x1
    }

    public var height: Int { max(0, y1 - y0) }
    public var width: Int { max(0, x1 - x0) }
    public var area: Int { height * width }
    public var isEmpty: Bool { area == 0 }

    /// `r` more on every side, cut to a map of `h` × `w`.
    func grown(by r: Int, within h: Int, _ w: Int) -> Box {
        Box(y0: max(y0 - r, 0), y1: min(y1 + r, h), x0: max(x0 - r, 0), x1: min(x1 + r, w))
    }

    /// The positions of a map pooled by windows of `sy` × `sx` at the same stride that read any of this box.
    func pooled(_ sy: Int, _ sx: Int) -> Box {
        Box(y0: y0 / sy, y1: (y1 + sy - 1) / sy, x0: x0 / sx, x1: (x1 + sx - 1) / sx)
    }

    /// The input positions that windows of `sy` × `sx` at the same stride read to make this box.
    func unpooled(_ sy: Int, _ sx: Int) -> Box { Box(y0: y0 * sy, y1: y1 * sy, x0: x0 * sx, x1: x1 * sx) }
}
