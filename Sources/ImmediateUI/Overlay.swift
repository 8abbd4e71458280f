extension UIContext {
    /// Opens a layer drawn above everything else (help screen, enlarged image).
    ///
    /// Commands until `endOverlay()` go to the overlay layer, which is emitted
    /// after the base layer, and the overlay starts its own clip and layout
    /// over `rect` (default: the whole window), dimmed with `theme.scrim` when
    /// `dim` is true. While the mouse is over the overlay, widgets outside it
    /// don't react: immediately for widgets built after `beginOverlay`, from
    /// the next frame for widgets built before it. Overlays don't nest.
    public func beginOverlay(_ rect: Rect? = nil, dim: Bool = true) {
        precondition(layer == 0, "ImmediateUI: overlays don't nest")
        let r = rect ?? windowRect
        overlayRects.append(r)
        layer = 1
        pushClip(r)
        if dim { draw(.rect(r, theme.scrim)) }
        layouts.append(Layout(body: r.inset(by: theme.padding)))
    }

    /// Closes the overlay opened by `beginOverlay`.
    public func endOverlay() {
        layouts.removeLast()
        popClip()
        assert(layers[1].clips.isEmpty, "ImmediateUI: unbalanced clip inside overlay")
        layer = 0
    }
}
