extension UIContext {
    /// Shows `text` in a box near the mouse, above everything, at the end of
    /// the frame. Call it while something is hovered (`lastItemHovered`);
    /// the last call in a frame wins.
    public func tooltip(_ text: String) { tooltipText = text }

    /// The widest a tooltip grows before its text wraps (less in a narrow window).
    static let tooltipMaxWidth: Float = 460

    /// The box beside the mouse (left of it or above it where the window ends), its text wrapped to fit the
    /// window; recorded in the trace as "tooltip".
    func drawTooltip(_ text: String) {
        let pad = theme.padding
        let lines = wrapped(text, width: min(Self.tooltipMaxWidth, input.windowSize.x - 8) - pad.x * 2)
        let lineHeight = measure("Ag").y
        let width = lines.map { measure($0).x }.max() ?? 0
        let size = Vec2(width, lineHeight * Float(lines.count)) + pad * 2
        let m = input.mouse
        var x = m.x + 14
        var y = m.y + 18
        if x + size.x > input.windowSize.x { x = max(0, min(m.x - 6, input.windowSize.x) - size.x) }
        if y + size.y > input.windowSize.y { y = max(0, m.y - 6 - size.y) }
        let r = Rect(x.rounded(.down), y.rounded(.down), size.x, size.y)
        draw(.rect(r, theme.tooltip))
        draw(.rectOutline(r, theme.border, thickness: theme.borderWidth))
        for (i, line) in lines.enumerated() {
            draw(.text(line, origin: r.origin + pad + Vec2(0, lineHeight * Float(i)), theme.text, .body))
        }
        recordTraceText(text, kind: "tooltip", rect: r)
    }

    /// `text`'s lines (its own line breaks kept) broken between words to fit `width` (a longer word stays whole).
    func wrapped(_ text: String, width: Float) -> [String] {
        var lines: [String] = []
        for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = ""
            for word in paragraph.split(separator: " ") {
                let candidate = line.isEmpty ? String(word) : line + " " + word
                if !line.isEmpty && measure(candidate).x > width {
                    lines.append(line)
                    line = String(word)
                } else {
                    line = candidate
                }
            }
            lines.append(line)
        }
        return lines
    }
}
