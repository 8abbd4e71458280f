extension UIContext {
    /// Shows `text` in a box near the mouse, above everything, at the end of
    /// the frame. Call it while something is hovered (`lastItemHovered`);
    /// the last call in a frame wins.
    public func tooltip(_ text: String) { tooltipText = text }

    func drawTooltip(_ text: String) {
        let pad = theme.padding
        let size = measure(text) + pad * 2
        let m = input.mouse
        var x = m.x + 14, y = m.y + 18
        if x + size.x > input.windowSize.x { x = max(0, m.x - 6 - size.x) }
        if y + size.y > input.windowSize.y { y = max(0, m.y - 6 - size.y) }
        let r = Rect(x.rounded(.down), y.rounded(.down), size.x, size.y)
        draw(.rect(r, theme.tooltip))
        draw(.rectOutline(r, theme.border, thickness: theme.borderWidth))
        draw(.text(text, origin: r.origin + pad, theme.text, .body))
    }
}
