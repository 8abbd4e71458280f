#if canImport(Glibc)
    import Glibc  // Float.rounded() lowers to libm calls; this links libm on Linux.
#elseif canImport(Darwin)
    import Darwin
#endif

/// The immediate-mode frame context: feed it input, call widgets, collect commands.
///
///     ui.beginFrame(input: snapshot)
///     ui.beginPanel(Rect(0, 0, 240, 600))
///     if ui.button("Run") { run() }
///     ui.slider("Layer", value: &layer, range: 0...17)
///     ui.endPanel()
///     render(ui.endFrame())
///
/// Widgets never draw: they append `DrawCommand`s. A widget is "hot" while the
/// mouse is over it and "active" from a left press on it until the button is
/// released anywhere, so drags keep tracking outside the widget. Widgets ignore
/// the keyboard; the app reads keys with `keyPressed(_:)`.
/// Internal arrays keep their capacity, so an idle frame allocates nothing new.
///
/// Every interactive widget follows the same steps: id (from its label, or
/// the part after `##`) → layout cell → hot/active → input → draw commands →
/// trace record → result. Ids must be unique within a frame; a repeat is
/// recorded in `duplicateIDs`.
public final class UIContext {
    /// Colours and metrics; may be changed between frames.
    public var theme: Theme
    /// Measures text for layout.
    public let measurer: any TextMeasurer

    /// The snapshot passed to the current (or last) `beginFrame`.
    public private(set) var input = InputSnapshot()
    /// The finished draw list of the last frame (valid after `endFrame`).
    public private(set) var commands: [DrawCommand] = []
    /// The widget under the mouse this frame, if any.
    public internal(set) var hot: WidgetID?
    /// The widget being pressed or dragged, if any; survives across frames.
    public internal(set) var active: WidgetID?
    /// Id of the last interactive widget (nil after a label).
    public internal(set) var lastItemID: WidgetID?
    /// Rectangle of the last widget or label.
    public internal(set) var lastItemRect = Rect.zero
    /// The mouse is over the last widget or label (and not captured by an overlay).
    public internal(set) var lastItemHovered = false
    /// Number of frames ended so far.
    public private(set) var frameCount = 0

    /// Interactive widgets of this frame whose id an earlier widget of the
    /// same frame already had (the later widget's id and full label).
    /// Reset by `beginFrame`. In debug builds each such label is also
    /// printed once to stderr.
    public private(set) var duplicateIDs: [(id: WidgetID, label: String)] = []

    /// Record `trace` (off by default; costs a few strings per widget per frame).
    public var recordsTrace = false {
        didSet {
            if !recordsTrace {
                trace.removeAll()
                previousTrace.removeAll()
            }
        }
    }
    /// Every interactive widget of the last frame, in call order (valid after
    /// `endFrame`; empty while `recordsTrace` is off).
    public private(set) var trace: [TracedWidget] = []
    /// The last frame's `trace` differs from the frame before's.
    public private(set) var traceChanged = false

    struct Layer {
        var commands: [DrawCommand] = []
        var clips: [Rect] = []
    }
    /// 0 = base, 1 = overlay (drawn after the base whatever the call order).
    var layers = [Layer(), Layer()]
    var layer = 0
    var idStack: [UInt64] = []
    var layouts: [Layout] = []
    var overlayRects: [Rect] = []
    var previousOverlayRects: [Rect] = []
    var activeSeen = false
    var tooltipText: String?
    /// Ids used by interactive widgets this frame.
    var frameIDs = Set<WidgetID>()
    /// Labels already reported on stderr as duplicates.
    var reportedDuplicates = Set<String>()
    var previousTrace: [TracedWidget] = []
    /// Mouse x minus the knob centre when the active slider was pressed on its knob.
    var grabOffset: Float = 0

    public init(measurer: any TextMeasurer, theme: Theme = .dark) {
        self.measurer = measurer
        self.theme = theme
    }

    // MARK: Frame

    /// Starts a frame: stores `input` and resets the per-frame state.
    public func beginFrame(input: InputSnapshot) {
        self.input = input
        for i in layers.indices {
            layers[i].commands.removeAll(keepingCapacity: true)
            layers[i].clips.removeAll(keepingCapacity: true)
        }
        layer = 0
        hot = nil
        activeSeen = false
        tooltipText = nil
        lastItemID = nil
        lastItemRect = .zero
        lastItemHovered = false
        idStack.removeAll(keepingCapacity: true)
        layouts.removeAll(keepingCapacity: true)
        layouts.append(Layout(body: windowRect.inset(by: theme.padding)))
        swap(&overlayRects, &previousOverlayRects)
        overlayRects.removeAll(keepingCapacity: true)
        frameIDs.removeAll(keepingCapacity: true)
        duplicateIDs.removeAll(keepingCapacity: true)
        if recordsTrace {
            swap(&trace, &previousTrace)
            trace.removeAll(keepingCapacity: true)
        }
    }

    /// Ends the frame and returns its draw list: the base layer, then overlays,
    /// then the tooltip. Don't keep the array past the next `beginFrame`, or
    /// its storage cannot be reused.
    @discardableResult
    public func endFrame() -> [DrawCommand] {
        assert(
            layer == 0 && layers[0].clips.isEmpty && idStack.isEmpty && layouts.count == 1,
            "ImmediateUI: unbalanced panel, overlay, clip or id push/pop")
        if !activeSeen || !input.mouseDown.contains(.left) { active = nil }
        if let text = tooltipText {
            layer = 1
            drawTooltip(text)
            layer = 0
        }
        commands.removeAll(keepingCapacity: true)
        commands.append(contentsOf: layers[0].commands)
        commands.append(contentsOf: layers[1].commands)
        traceChanged = recordsTrace && trace != previousTrace
        frameCount += 1
        return commands
    }

    // MARK: Ids

    /// The id a widget labelled `label` gets at the current id-stack position.
    ///
    /// As in Dear ImGui, `"text##key"` shows `text` but hashes only `key`, so
    /// `"block3_conv2##layer"` and `"block4_conv1##layer"` are the same widget
    /// (a slider whose label shows its value keeps the mouse while dragged),
    /// and `"Export##grid"`/`"Export##cam"` are two. Without `##` the whole
    /// label is hashed.
    public func id(_ label: String) -> WidgetID {
        WidgetID(raw: WidgetID.fnv1a(bytes: WidgetID.split(label).key.utf8, seed: idStack.last ?? WidgetID.offsetBasis))
    }

    /// The part of a widget label that is shown: everything before the first `##`.
    public static func displayText(_ label: String) -> Substring { WidgetID.split(label).display }

    /// Size of the shown part of a widget label (see `id(_:)`).
    public func measureLabel(_ label: String, role: FontRole = .body) -> Vec2 {
        let shown = WidgetID.split(label).display
        return measure(shown.endIndex == label.endIndex ? label : String(shown), role: role)
    }

    /// The size a `button` shrink-wraps to: its shown text plus `theme.padding`
    /// on each side (e.g. for the widths of a `FlowRow` of buttons).
    public func buttonSize(_ label: String) -> Vec2 { measureLabel(label) + theme.padding * 2 }

    /// The id for an integer (e.g. a list index) at the current id-stack position.
    public func id(_ n: Int) -> WidgetID {
        WidgetID(raw: WidgetID.fnv1a(n, seed: idStack.last ?? WidgetID.offsetBasis))
    }

    /// Scopes the ids of following widgets, so equal labels stay distinct.
    public func pushID(_ label: String) { idStack.append(id(label).raw) }
    public func pushID(_ n: Int) { idStack.append(id(n).raw) }
    public func popID() { idStack.removeLast() }

    /// Runs `body` with `label` pushed on the id stack.
    public func withID<R>(_ label: String, _ body: () throws -> R) rethrows -> R {
        pushID(label)
        defer { popID() }
        return try body()
    }

    /// Runs `body` with `n` (e.g. a list index) pushed on the id stack.
    public func withID<R>(_ n: Int, _ body: () throws -> R) rethrows -> R {
        pushID(n)
        defer { popID() }
        return try body()
    }

    // MARK: Input queries

    /// The whole window in logical units.
    public var windowRect: Rect { Rect(0, 0, input.windowSize.x, input.windowSize.y) }

    /// `key` was pressed this frame.
    public func keyPressed(_ key: Key) -> Bool { input.keysPressed.contains(key) }
    /// How many times `key` went down this frame (several when presses or auto-repeat come faster than frames).
    public func keyPresses(_ key: Key) -> Int { input.keysPressed.count(key) }
    /// Any of `buttons` is held.
    public func mouseDown(_ buttons: MouseButtons = .left) -> Bool { !input.mouseDown.isDisjoint(with: buttons) }
    /// Any of `buttons` went down this frame.
    public func mousePressed(_ buttons: MouseButtons = .left) -> Bool { !input.mousePressed.isDisjoint(with: buttons) }
    /// Any of `buttons` went up this frame.
    public func mouseReleased(_ buttons: MouseButtons = .left) -> Bool {
        !input.mouseReleased.isDisjoint(with: buttons)
    }

    /// The mouse is over an overlay while the base layer is being built, so
    /// base widgets must ignore it. Overlays count from the moment they begin
    /// this frame, and from the previous frame (a one-frame lag, as in Dear
    /// ImGui, when the overlay is built after the widgets beneath it).
    public var isMouseCaptured: Bool {
        guard layer == 0 else { return false }
        let m = input.mouse
        return overlayRects.contains { $0.contains(m) } || previousOverlayRects.contains { $0.contains(m) }
    }

    /// The mouse is over `rect`, inside the current clip, and not captured.
    public func isHovered(_ rect: Rect) -> Bool {
        let m = input.mouse
        guard rect.contains(m) else { return false }
        if let clip = layers[layer].clips.last, !clip.contains(m) { return false }
        return !isMouseCaptured
    }

    // MARK: Drawing

    /// Appends a raw command to the current layer.
    public func draw(_ command: DrawCommand) { layers[layer].commands.append(command) }

    /// Clips what follows to `rect` intersected with the current clip.
    public func pushClip(_ rect: Rect) {
        let clip = layers[layer].clips.last.map { $0.intersection(rect) } ?? rect
        layers[layer].clips.append(clip)
        draw(.clip(clip))
    }

    /// Restores the clip in force before the matching `pushClip`.
    public func popClip() {
        layers[layer].clips.removeLast()
        draw(.clip(layers[layer].clips.last))
    }

    /// The clip in force, nil when none.
    public var clipRect: Rect? { layers[layer].clips.last }

    /// Size of `text` in the font for `role`.
    public func measure(_ text: String, role: FontRole = .body) -> Vec2 {
        measurer.size(of: text, role: role)
    }

    // MARK: Widget plumbing

    /// Step 1 of a widget: its id and the text it shows (allocates only for
    /// a long text before `##`).
    func widgetLabel(_ label: String) -> (id: WidgetID, text: String) {
        let parts = WidgetID.split(label)
        let id = WidgetID(raw: WidgetID.fnv1a(bytes: parts.key.utf8, seed: idStack.last ?? WidgetID.offsetBasis))
        return (id, parts.display.endIndex == label.endIndex ? label : String(parts.display))
    }

    /// Notes `id` as used this frame; a repeat goes to `duplicateIDs` (and, in
    /// debug builds, to stderr once per label).
    func register(_ id: WidgetID, label: @autoclosure () -> String) {
        guard !frameIDs.insert(id).inserted else { return }
        let text = label()
        duplicateIDs.append((id, text))
        #if DEBUG
            if reportedDuplicates.insert(text).inserted {
                fputs(
                    "ImmediateUI: duplicate widget id for \"\(text)\" — give it a distinct \"##id\" or pushID\n", stderr
                )
            }
        #endif
    }

    /// Records drawn text that is not a widget (a pane's heading) in the trace as `kind`, so a test can check
    /// where it landed.
    public func recordTraceText(_ text: String, kind: String, rect: Rect) {
        guard recordsTrace else { return }
        trace.append(TracedWidget(id: kind, kind: kind, label: text, value: "", rect: [rect.x, rect.y, rect.w, rect.h]))
    }

    /// Last step before the result: appends the widget to `trace` when recording.
    func recordTrace(_ id: WidgetID, kind: String, label: String, value: @autoclosure () -> String, rect: Rect) {
        guard recordsTrace else { return }
        trace.append(
            TracedWidget(id: id.hex, kind: kind, label: label, value: value(), rect: [rect.x, rect.y, rect.w, rect.h]))
    }

    /// Registers `id` (see `register`) and updates hot/active for it occupying
    /// `rect`; returns whether it is hot.
    func interact(_ id: WidgetID, _ rect: Rect, label: @autoclosure () -> String) -> Bool {
        register(id, label: label())
        return interact(id, rect)
    }

    /// Updates hot/active for widget `id` occupying `rect`; returns whether it is hot.
    func interact(_ id: WidgetID, _ rect: Rect) -> Bool {
        let held = input.mouseDown.contains(.left) && !input.mousePressed.contains(.left)
        if isHovered(rect), active == nil || active == id, !held || active == id {
            hot = id
        }
        if hot == id, active == nil, input.mousePressed.contains(.left) {
            active = id
            grabOffset = 0
        }
        if active == id { activeSeen = true }
        lastItemID = id
        lastItemRect = rect
        lastItemHovered = hot == id
        return hot == id
    }

    /// Records a non-interactive item (label, bar) as the last item.
    func passiveItem(_ rect: Rect) {
        lastItemID = nil
        lastItemRect = rect
        lastItemHovered = isHovered(rect)
    }

    /// Press on `id` followed by a release over it.
    func clicked(_ id: WidgetID) -> Bool {
        hot == id && active == id && input.mouseReleased.contains(.left)
    }

    /// Fill for a framed widget in its current state.
    func frameColor(_ id: WidgetID) -> Color {
        active == id ? theme.widgetActive : hot == id ? theme.widgetHot : theme.widget
    }

    /// Text centred in `rect`, on whole units.
    func drawText(_ text: String, centeredIn rect: Rect, role: FontRole = .body, color: Color? = nil) {
        let s = measure(text, role: role)
        let origin = Vec2(((rect.x + (rect.w - s.x) / 2)).rounded(.down), (rect.y + (rect.h - s.y) / 2).rounded(.down))
        draw(.text(text, origin: origin, color ?? theme.text, role))
    }

    /// Text at the left of `rect` after `inset`, vertically centred.
    func drawText(_ text: String, leftIn rect: Rect, inset: Float, role: FontRole = .body, color: Color? = nil) {
        let s = measure(text, role: role)
        let origin = Vec2(rect.x + inset, (rect.y + (rect.h - s.y) / 2).rounded(.down))
        draw(.text(text, origin: origin, color ?? theme.text, role))
    }
}
