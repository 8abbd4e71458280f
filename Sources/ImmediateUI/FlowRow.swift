/// Lays out controls of known widths (e.g. `UIContext.buttonSize(_:).x`) left
/// to right in `bounds`, `spacing` apart, and starts a new line below when
/// the next one doesn't fit, so a button bar wraps instead of overflowing at
/// narrow window widths. A control wider than `bounds` gets a line of its own,
/// cut to the bounds' width. Edges fall on whole units.
///
///     let bar = FlowRow(widths: labels.map { ui.buttonSize($0).x }, in: r, lineHeight: 28, spacing: 8, alignment: .trailing)
///     for (label, cell) in zip(labels, bar.rects) where ui.button(label, in: cell) { … }
///     // bar.height is how much vertical room the bar took.
public struct FlowRow: Equatable, Sendable {
    public enum Alignment: Equatable, Sendable { case leading, center, trailing }

    /// One rect per width, in order.
    public let rects: [Rect]
    /// Number of lines used (0 when there are no widths).
    public let lineCount: Int
    /// Height from `bounds.y` to the bottom of the last line (may exceed `bounds.h`).
    public let height: Float

    /// `lineSpacing` (between lines) defaults to `spacing`.
    public init(
        widths: [Float], in bounds: Rect, lineHeight: Float, spacing: Float,
        lineSpacing: Float? = nil, alignment: Alignment = .leading
    ) {
        func clean(_ v: Float) -> Float { v.isFinite ? max(0, v) : 0 }
        let gap = clean(spacing)
        let lineGap = clean(lineSpacing ?? spacing)
        let lh = clean(lineHeight)
        let limit = clean(bounds.w)
        // Greedy lines: (first index, end index, width used).
        var lines: [(start: Int, end: Int, width: Float)] = []
        var sized: [Float] = []
        sized.reserveCapacity(widths.count)
        for (i, raw) in widths.enumerated() {
            let w = min(clean(raw), limit)
            sized.append(w)
            if let last = lines.last, last.width + gap + w <= limit {
                lines[lines.count - 1].end = i + 1
                lines[lines.count - 1].width += gap + w
            } else {
                lines.append((i, i + 1, w))
            }
        }
        var rects: [Rect] = []
        rects.reserveCapacity(widths.count)
        for (n, line) in lines.enumerated() {
            let slack = limit - line.width
            let shift: Float = alignment == .leading ? 0 : alignment == .center ? slack / 2 : slack
            var x = bounds.x + shift
            let y = (bounds.y + Float(n) * (lh + lineGap)).rounded()
            for i in line.start..<line.end {
                let a = x.rounded()
                let b = (x + sized[i]).rounded()
                rects.append(Rect(a, y, b - a, lh))
                x += sized[i] + gap
            }
        }
        self.rects = rects
        lineCount = lines.count
        height = lines.isEmpty ? 0 : Float(lines.count) * lh + Float(lines.count - 1) * lineGap
    }
}
