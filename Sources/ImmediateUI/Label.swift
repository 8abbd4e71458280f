extension UIContext {
    /// A line of text. Without `rect` it takes a layout cell; shrink-wrapped
    /// cells are the measured text plus `theme.padding` on each side.
    /// Sets `lastItemRect`/`lastItemHovered` so a tooltip can follow.
    public func label(_ text: String, role: FontRole = .body, color: Color? = nil, in rect: Rect? = nil) {
        let size = measure(text, role: role)
        let r = rect ?? nextRect(fitting: size + theme.padding * 2)
        drawText(text, leftIn: r, inset: theme.padding.x, role: role, color: color)
        passiveItem(r)
    }
}
