/// One interactive widget as `UIContext.trace` records it, for tests and
/// tools that find widgets by label rather than by coordinates.
public struct TracedWidget: Codable, Equatable, Sendable {
    /// `WidgetID.hex` of the widget's id.
    public var id: String
    /// "button", "slider", "selectable", "imageButton", "checkbox".
    public var kind: String
    /// The shown text (before any `##`); empty for an image button.
    public var label: String
    /// Slider: its value; selectable and checkbox: "true"/"false";
    /// image button: the image's id; button: empty.
    public var value: String
    /// x, y, w, h in window coordinates (logical units, as the mouse reports them).
    public var rect: [Float]

    public init(id: String, kind: String, label: String, value: String, rect: [Float]) {
        self.id = id
        self.kind = kind
        self.label = label
        self.value = value
        self.rect = rect
    }
}
