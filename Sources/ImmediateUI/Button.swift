extension UIContext {
    /// A push button. True once: on the frame the left button is released over
    /// it after being pressed on it. Shrink-wraps its label when laid out
    /// without `rect` in one-per-line mode.
    public func button(_ label: String, in rect: Rect? = nil) -> Bool {
        let id = self.id(label)
        let r = rect ?? nextRect(fitting: measure(label) + theme.padding * 2)
        _ = interact(id, r)
        draw(.rect(r, frameColor(id)))
        if hot == id { draw(.rectOutline(r, theme.accentDim, thickness: theme.borderWidth)) }
        drawText(label, centeredIn: r)
        return clicked(id)
    }

    /// A clickable image (e.g. a channel tile), with `button` semantics.
    /// Its id comes from `image.id` (not the version); push an id to show the
    /// same image twice. Outlined in the accent colour while hot.
    public func imageButton(_ image: ImageKey, in rect: Rect? = nil, tint: Color = .white) -> Bool {
        let id = self.id(Int(truncatingIfNeeded: image.id))
        let r = rect ?? nextRect()
        _ = interact(id, r)
        draw(.image(image, dest: r, tint: tint))
        if hot == id || active == id {
            draw(.rectOutline(r, active == id ? theme.accentHot : theme.accent, thickness: 2))
        }
        return clicked(id)
    }
}
