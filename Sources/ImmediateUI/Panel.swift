extension UIContext {
    /// Opens a panel: draws its background, clips to it (within any enclosing
    /// clip) and starts a fresh layout inside it, inset by `theme.padding`.
    /// `rect` nil takes the next cell of the enclosing layout. Close with `endPanel()`.
    public func beginPanel(_ rect: Rect? = nil, background: Bool = true) {
        let r = rect ?? nextRect()
        if background {
            draw(.rect(r, theme.panel))
            draw(.rectOutline(r, theme.border, thickness: theme.borderWidth))
        }
        pushClip(r)
        layouts.append(Layout(body: r.inset(by: theme.padding)))
    }

    /// Closes the panel opened by the matching `beginPanel`.
    public func endPanel() {
        layouts.removeLast()
        popClip()
    }
}
