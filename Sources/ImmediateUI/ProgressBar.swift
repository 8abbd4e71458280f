extension UIContext {
    /// A bar filled to `fraction` (clamped to 0...1) with an optional centred label.
    public func progressBar(fraction: Float, label: String = "", in rect: Rect? = nil) {
        let r = rect ?? nextRect()
        let f = fraction.isNaN ? 0 : min(max(fraction, 0), 1)
        draw(.rect(r, theme.widget))
        draw(.rect(Rect(r.x, r.y, (r.w * f).rounded(), r.h), theme.accentDim))
        if !label.isEmpty { drawText(label, centeredIn: r) }
        passiveItem(r)
    }
}
