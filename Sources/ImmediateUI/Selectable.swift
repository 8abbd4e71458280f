extension UIContext {
    /// A full-width clickable row, highlighted when `selected` (e.g. a class in
    /// the top-5 list). True on click, with `button` semantics; the caller
    /// keeps the selection. `"text##key"` shows `text` and takes its id from `key`; `role` is the text's size.
    public func selectable(_ label: String, selected: Bool, in rect: Rect? = nil, role: FontRole = .body) -> Bool {
        let (id, text) = widgetLabel(label)
        let r = rect ?? nextRect()
        _ = interact(id, r, label: label)
        let result = clicked(id)
        if selected {
            draw(.rect(r, theme.accentDim))
            draw(.rect(Rect(r.x, r.y, 3, r.h), theme.accent))
        } else if hot == id {
            draw(.rect(r, frameColor(id)))
        }
        drawText(
            text, leftIn: r, inset: theme.padding.x, role: role,
            color: selected || hot == id ? theme.text : theme.textDim)
        recordTrace(id, kind: "selectable", label: text, value: selected ? "true" : "false", rect: r)
        return result
    }
}
