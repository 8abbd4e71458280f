extension UIContext {
    /// A push button. True once: on the frame the left button is released over
    /// it after being pressed on it. Shrink-wraps its label when laid out
    /// without `rect` in one-per-line mode. `"text##key"` shows `text` and
    /// takes its id from `key` (see `id(_:)`).
    public func button(_ label: String, in rect: Rect? = nil) -> Bool {
        let (id, text) = widgetLabel(label)
        let r = rect ?? nextRect(fitting: measure(text) + theme.padding * 2)
        _ = interact(id, r, label: label)
        let result = clicked(id)
        draw(.rect(r, frameColor(id)))
        if hot == id { draw(.rectOutline(r, theme.accentDim, thickness: theme.borderWidth)) }
        drawText(text, centeredIn: r)
        recordTrace(id, kind: "button", label: text, value: "", rect: r)
        return result
    }

    /// A clickable image (e.g. a channel tile), with `button` semantics.
    /// Its id comes from `image.id` (not the version); push an id to show the
    /// same image twice. Outlined in the accent colour while hot.
    /// `label` names the button for tests and the trace (the image's id is its identity).
    public func imageButton(_ image: ImageKey, label: String = "", in rect: Rect? = nil, tint: Color = .white) -> Bool {
        let id = self.id(Int(truncatingIfNeeded: image.id))
        let r = rect ?? nextRect()
        _ = interact(id, r, label: "image \(image.id)")
        let result = clicked(id)
        draw(.image(image, dest: r, tint: tint))
        if hot == id || active == id {
            draw(.rectOutline(r, active == id ? theme.accentHot : theme.accent, thickness: 2))
        }
        recordTrace(id, kind: "imageButton", label: label, value: String(image.id), rect: r)
        return result
    }
}
