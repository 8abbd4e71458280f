extension UIContext {
    /// A box and a label; a click flips `isOn`. Returns true when it flipped.
    /// `"text##key"` shows `text` and takes its id from `key`.
    @discardableResult
    public func checkbox(_ label: String, isOn: inout Bool, in rect: Rect? = nil) -> Bool {
        let (id, text) = widgetLabel(label)
        let pad = theme.padding
        let side = theme.rowHeight - 2 * pad.y
        let r = rect ?? nextRect(fitting: Vec2(side + measure(text).x + 2 * pad.x, 0))
        _ = interact(id, r, label: label)
        let changed = clicked(id)
        if changed { isOn.toggle() }
        let s = max(0, r.h - 2 * pad.y)
        let box = Rect(r.x, r.y + pad.y, s, s)
        draw(.rect(box, frameColor(id)))
        draw(.rectOutline(box, hot == id ? theme.accent : theme.border, thickness: theme.borderWidth))
        if isOn { draw(.rect(box.inset(by: Vec2(3, 3)), theme.accent)) }
        drawText(text, leftIn: r, inset: s + pad.x)
        recordTrace(id, kind: "checkbox", label: text, value: isOn ? "true" : "false", rect: r)
        return changed
    }
}
