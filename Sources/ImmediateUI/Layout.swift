/// Row-and-column placement inside a panel (microui style).
///
/// With no row specification, cells stack one per line and shrink-wrap their
/// content. After `row(_:height:)` each line is cut into the given widths.
struct Layout {
    let body: Rect
    var widths: [Float] = []
    var columns = 0
    var height: Float?
    var index = 0
    var cursor: Vec2
    var nextRowY: Float

    init(body: Rect) {
        self.body = body
        cursor = body.origin
        nextRowY = body.y
    }

    var count: Int { columns > 0 ? columns : widths.count }

    mutating func startRow(widths: [Float], columns: Int, height: Float?) {
        self.widths = widths
        self.columns = columns
        self.height = height
        index = count  // the next cell opens a new line
    }

    mutating func next(preferred: Vec2, defaultHeight: Float, spacing: Float) -> Rect {
        let n = count
        if n == 0 || index >= n {
            cursor = Vec2(body.x, nextRowY)
            index = 0
        }
        let remaining = body.maxX - cursor.x
        let w: Float
        if n == 0 {
            w = preferred.x > 0 ? preferred.x : remaining
        } else if columns > 0 {
            w = (body.w - spacing * Float(n - 1)) / Float(n)
        } else {
            w = widths[index] > 0 ? widths[index] : remaining + widths[index]
        }
        let h: Float
        if let fixed = height {
            h = fixed > 0 ? fixed : body.maxY - cursor.y + fixed
        } else {
            h = max(defaultHeight, preferred.y)
        }
        let r = Rect(cursor.x, cursor.y, max(0, w), max(0, h))
        index += 1
        cursor.x += r.w + spacing
        nextRowY = max(nextRowY, r.maxY + spacing)
        return r
    }
}

extension UIContext {
    /// Cuts the following lines of the current panel into cells of `widths`.
    ///
    /// A width `> 0` is fixed; `<= 0` fills what remains of the line minus its
    /// magnitude (`0` fills exactly, `-80` leaves 80 to the right). `height`
    /// is fixed when `> 0`, fills the remaining panel height minus its
    /// magnitude when `<= 0`, and when nil fits the content (at least
    /// `theme.rowHeight`). An empty `widths` returns to one-per-line stacking.
    /// Pass a stored array (e.g. a `static let`) to keep frames allocation-free.
    public func row(_ widths: [Float], height: Float? = nil) {
        layouts[layouts.count - 1].startRow(widths: widths, columns: 0, height: height)
    }

    /// Cuts the following lines into `columns` equal cells.
    public func row(columns: Int, height: Float? = nil) {
        layouts[layouts.count - 1].startRow(widths: [], columns: max(0, columns), height: height)
    }

    /// The next layout cell; in one-per-line mode it spans the panel's width.
    public func nextRect() -> Rect { nextRect(fitting: .zero) }

    /// The next layout cell for content of `size` (used when shrink-wrapping).
    func nextRect(fitting size: Vec2) -> Rect {
        layouts[layouts.count - 1].next(preferred: size, defaultHeight: theme.rowHeight, spacing: theme.spacing)
    }
}
