extension UIContext {
    /// A horizontal slider with one stop per integer in `range` (the layer
    /// slider). A press anywhere on the track jumps to the nearest stop; while
    /// the widget is active it follows the mouse even outside itself (clamped
    /// to the range) until the button is released anywhere; the wheel over it
    /// steps ±1. A press on the knob itself grabs it where it was pressed,
    /// so the value doesn't jump. Returns true when `value` changed this frame.
    ///
    /// A label that shows the value must name the id after `##`
    /// (`"\(layerName)##layer"`): otherwise each new value is a new widget and
    /// the drag stops. The drag follows the rect the slider gets each frame,
    /// so it survives the slider moving.
    @discardableResult
    public func slider(_ label: String, value: inout Int, range: ClosedRange<Int>, in rect: Rect? = nil) -> Bool {
        let (id, text) = widgetLabel(label)
        let r = rect ?? nextRect()
        let hovered = interact(id, r, label: label)
        let old = value
        let stops = range.upperBound - range.lowerBound
        func fraction(_ v: Int) -> Float { stops > 0 ? min(max(Float(v - range.lowerBound) / Float(stops), 0), 1) : 0 }
        if active == id {
            grabKnobIfPressed(r, fraction: fraction(value))
            value =
                range.lowerBound + Int((sliderFraction(at: input.mouse.x - grabOffset, in: r) * Float(stops)).rounded())
        } else if hovered, input.wheel != 0 {
            value = min(max(value + (input.wheel > 0 ? 1 : -1), range.lowerBound), range.upperBound)
        }
        drawSlider(id, text, r, fraction: fraction(value), stops: stops)
        recordTrace(id, kind: "slider", label: text, value: String(value), rect: r)
        return value != old
    }

    /// A continuous slider (e.g. opacity) with the same mouse behaviour; the
    /// wheel steps by `step`, by default a twentieth of the range.
    @discardableResult
    public func slider(
        _ label: String, value: inout Float, range: ClosedRange<Float>, step: Float? = nil, in rect: Rect? = nil
    ) -> Bool {
        let (id, text) = widgetLabel(label)
        let r = rect ?? nextRect()
        let hovered = interact(id, r, label: label)
        let old = value
        let span = range.upperBound - range.lowerBound
        if active == id {
            grabKnobIfPressed(r, fraction: span > 0 ? min(max((value - range.lowerBound) / span, 0), 1) : 0)
            value = range.lowerBound + sliderFraction(at: input.mouse.x - grabOffset, in: r) * span
        } else if hovered, input.wheel != 0 {
            let s = step ?? span / 20
            value = min(max(value + (input.wheel > 0 ? s : -s), range.lowerBound), range.upperBound)
        }
        let t = span > 0 ? min(max((value - range.lowerBound) / span, 0), 1) : 0
        drawSlider(id, text, r, fraction: t, stops: 0)
        recordTrace(id, kind: "slider", label: text, value: String(value), rect: r)
        return value != old
    }

    /// On the press that made a slider active: when the press landed on the
    /// knob (drawn at `fraction` of the travel in `r`), remember how far from
    /// the knob's centre, so the drag moves the knob without a jump.
    func grabKnobIfPressed(_ r: Rect, fraction t: Float) {
        guard input.mousePressed.contains(.left) else { return }
        let kw = theme.knobWidth
        let centre = r.x + kw / 2 + t * max(0, r.w - kw)
        let offset = input.mouse.x - centre
        grabOffset = abs(offset) <= kw / 2 ? offset : 0
    }

    /// Where `x` falls along the knob's travel in `r`, clamped to 0...1.
    func sliderFraction(at x: Float, in r: Rect) -> Float {
        let travel = r.w - theme.knobWidth
        guard travel > 0 else { return 0 }
        return min(max((x - r.x - theme.knobWidth / 2) / travel, 0), 1)
    }

    /// Track, filled part, stop ticks (when at least 6 units apart), knob, label.
    func drawSlider(_ id: WidgetID, _ label: String, _ r: Rect, fraction t: Float, stops: Int) {
        let kw = theme.knobWidth
        let travel = max(0, r.w - kw)
        let knobX = (r.x + t * travel).rounded()
        draw(.rect(r, frameColor(id)))
        draw(.rect(Rect(r.x, r.y, knobX - r.x + kw / 2, r.h), theme.accentDim))
        if stops > 0, travel / Float(stops) >= 6 {
            for i in 0...stops {
                let x = (r.x + kw / 2 + Float(i) / Float(stops) * travel).rounded(.down)
                draw(.rect(Rect(x, r.maxY - 4, 1, 3), theme.textDim))
            }
        }
        let knob = Rect(knobX, r.y, kw, r.h)
        draw(.rect(knob, hot == id || active == id ? theme.accentHot : theme.accent))
        if !label.isEmpty { drawText(label, centeredIn: labelRect(label, r, knob: knob)) }
    }

    /// Where a slider's label is centred: the whole track, or the wider side of it beside the knob when the knob
    /// would sit on the centred label and that side holds it.
    func labelRect(_ label: String, _ r: Rect, knob: Rect) -> Rect {
        let w = measure(label).x + 8
        let centred = Rect(r.x + (r.w - w) / 2, r.y, w, r.h)
        guard centred.x < knob.maxX && knob.x < centred.maxX else { return r }
        let left = Rect(r.x, r.y, knob.x - r.x, r.h)
        let right = Rect(knob.maxX, r.y, r.maxX - knob.maxX, r.h)
        let side = left.w >= right.w ? left : right
        return side.w >= w ? side : r
    }
}
