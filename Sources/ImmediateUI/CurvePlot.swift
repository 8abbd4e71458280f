/// A small plot of a few series over equally spaced steps, drawn with rectangles (the widget layer has no lines):
/// each series a staircase through its points with a dot on each, in a frame with its y range and a legend.
public enum CurvePlot {
    public struct Series {
        public let label: String
        public let values: [Float]
        public let color: Color
        public init(label: String, values: [Float], color: Color) {
            self.label = label
            self.values = values
            self.color = color
        }
    }

    /// `text` as is when it fits `width` in the small font, else cut with an ellipsis.
    static func cut(_ ui: UIContext, _ text: String, to width: Float) -> String {
        guard ui.measure(text, role: .small).x > width else { return text }
        var t = text
        while !t.isEmpty && ui.measure(t + "…", role: .small).x > width { t.removeLast() }
        return t + "…"
    }

    public static func draw(
        _ ui: UIContext, _ r: Rect, _ series: [Series], range: ClosedRange<Float>, caption: String,
        from: String, to: String, legend showsLegend: Bool = true
    ) {
        let parts = r.rows([.fixed(16), .fill(), .fixed(14)], spacing: 2)
        ui.draw(.text(cut(ui, caption, to: r.w), origin: Vec2(parts[0].x, parts[0].y), ui.theme.textDim, .small))
        let box = parts[1].inset(left: 26)
        ui.draw(.rect(box, ui.theme.text.withAlpha(12)))
        ui.draw(.rectOutline(box, ui.theme.textDim.withAlpha(90), thickness: 1))
        ui.draw(
            .text(axisLabel(range.upperBound), origin: Vec2(parts[1].x, box.y - 2), ui.theme.textDim, .small)
        )
        ui.draw(
            .text(
                axisLabel(range.lowerBound), origin: Vec2(parts[1].x, box.y + box.h - 12), ui.theme.textDim,
                .small))
        if range.contains(0) && range.lowerBound < 0 {
            ui.draw(.rect(Rect(box.x, y(0, range, box), box.w, 1), ui.theme.textDim.withAlpha(70)))
        }
        for s in series {
            guard s.values.count > 1 else { continue }
            let step = box.w / Float(max(series.map(\.values.count).max() ?? 2, 2) - 1)
            for (i, v) in s.values.enumerated() {
                let px = box.x + Float(i) * step
                let py = y(v, range, box)
                ui.draw(.rect(Rect(px - 2, py - 2, 4, 4), s.color))
                if i + 1 < s.values.count {
                    let ny = y(s.values[i + 1], range, box)
                    ui.draw(.rect(Rect(px, py - 1, step / 2, 2), s.color))
                    ui.draw(.rect(Rect(px + step / 2 - 1, min(py, ny) - 1, 2, abs(ny - py) + 2), s.color))
                    ui.draw(.rect(Rect(px + step / 2, ny - 1, step / 2, 2), s.color))
                }
            }
        }
        if showsLegend { drawLegend(ui, series, in: box) }
        ui.draw(.text(from, origin: Vec2(box.x, parts[2].y), ui.theme.textDim, .small))
        let w = ui.measurer.size(of: to, role: .small).x
        ui.draw(.text(to, origin: Vec2(box.x + box.w - w, parts[2].y), ui.theme.textDim, .small))
    }

    /// The series' names in the frame's top left corner, over the curves on a backing of the panel's colour, so a
    /// curve running through the corner cannot make them unreadable.
    private static func drawLegend(_ ui: UIContext, _ series: [Series], in box: Rect) {
        let widths = series.map { 22 + ui.measurer.size(of: $0.label, role: .small).x }
        let backing = Rect(box.x + 2, box.y + 2, min(widths.reduce(0, +), box.w - 4), 14)
        ui.draw(.rect(backing, ui.theme.panel.withAlpha(225)))
        var x = box.x + 6
        for (s, w) in zip(series, widths) {
            ui.draw(.rect(Rect(x, box.y + 6, 10, 3), s.color))
            ui.draw(.text(s.label, origin: Vec2(x + 14, box.y + 1), s.color, .small))
            x += w
        }
    }

    /// A bound as `%g` would print it: 1, -1, 0.5.
    static func axisLabel(_ v: Float) -> String {
        v == v.rounded() && abs(v) < 1e6 ? String(Int(v)) : String(v)
    }

    private static func y(_ v: Float, _ range: ClosedRange<Float>, _ box: Rect) -> Float {
        let t =
            (min(max(v, range.lowerBound), range.upperBound) - range.lowerBound) / (range.upperBound - range.lowerBound)
        return box.y + box.h - t * box.h
    }
}
