/// Colours and metrics for every widget. Mutate `UIContext.theme` to restyle.
public struct Theme: Equatable, Sendable {
    /// Window background (the app clears to this).
    public var background: Color
    /// Panel fill and border.
    public var panel: Color
    public var border: Color
    /// Widget fills: idle, under the mouse, being pressed or dragged.
    public var widget: Color
    public var widgetHot: Color
    public var widgetActive: Color
    /// Primary and secondary text.
    public var text: Color
    public var textDim: Color
    /// The one accent colour, a lighter variant for hover, and a muted one for fills.
    public var accent: Color
    public var accentHot: Color
    public var accentDim: Color
    /// Dims what lies beneath an overlay.
    public var scrim: Color
    /// Tooltip fill.
    public var tooltip: Color

    /// Space between a widget's edge and its content (x: left/right, y: top/bottom).
    public var padding: Vec2
    /// Gap between layout cells.
    public var spacing: Float
    /// Default height of a layout row.
    public var rowHeight: Float
    /// Width of panel and outline borders.
    public var borderWidth: Float
    /// Width of a slider's knob.
    public var knobWidth: Float

    /// Near-black panels, light text, a calm blue accent.
    public static let dark = Theme(
        background: Color(hex: 0x111215),
        panel: Color(hex: 0x1A1B1F),
        border: Color(hex: 0x2B2D33),
        widget: Color(hex: 0x25272D),
        widgetHot: Color(hex: 0x2F323A),
        widgetActive: Color(hex: 0x3A3E48),
        text: Color(hex: 0xE4E6EA),
        textDim: Color(hex: 0x9298A2),
        accent: Color(hex: 0x4C8DFF),
        accentHot: Color(hex: 0x75A8FF),
        accentDim: Color(hex: 0x24406F),
        scrim: Color(0, 0, 0, 170),
        tooltip: Color(hex: 0x2A2C33),
        padding: Vec2(8, 5),
        spacing: 6,
        rowHeight: 26,
        borderWidth: 1,
        knobWidth: 10
    )
}
