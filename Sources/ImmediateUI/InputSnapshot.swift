/// Everything the UI needs to know about input for one frame.
///
/// The platform layer fills one per frame from its event queue; tests build
/// them by hand. "Pressed"/"released" are edges that happened during this frame;
/// "down" is the state at the end of it. Positions are in logical units.
public struct InputSnapshot: Equatable, Sendable {
    /// Pointer position.
    public var mouse: Vec2
    /// Buttons held at the end of the frame.
    public var mouseDown: MouseButtons
    /// Buttons that went down during the frame.
    public var mousePressed: MouseButtons
    /// Buttons that went up during the frame.
    public var mouseReleased: MouseButtons
    /// Vertical wheel delta; positive means away from the user ("scroll up").
    public var wheel: Float
    /// Keys pressed (including key repeats) during the frame.
    public var keysPressed: KeySet
    /// Modifier keys held.
    public var modifiers: Modifiers
    /// Text typed during the frame (UTF-8, possibly empty).
    public var text: String
    /// A file is being dragged over the window.
    public var dropHover: Bool
    /// Window size in logical units.
    public var windowSize: Vec2
    /// Pixels per logical unit (2 on a typical HiDPI display).
    public var scale: Float

    public init(
        mouse: Vec2 = .zero,
        mouseDown: MouseButtons = [],
        mousePressed: MouseButtons = [],
        mouseReleased: MouseButtons = [],
        wheel: Float = 0,
        keysPressed: KeySet = [],
        modifiers: Modifiers = [],
        text: String = "",
        dropHover: Bool = false,
        windowSize: Vec2 = Vec2(1280, 800),
        scale: Float = 1
    ) {
        self.mouse = mouse
        self.mouseDown = mouseDown
        self.mousePressed = mousePressed
        self.mouseReleased = mouseReleased
        self.wheel = wheel
        self.keysPressed = keysPressed
        self.modifiers = modifiers
        self.text = text
        self.dropHover = dropHover
        self.windowSize = windowSize
        self.scale = scale
    }
}
