/// One drawing instruction; the platform layer executes them in order.
///
/// Coordinates are logical units (multiply by `InputSnapshot.scale` for pixels).
public enum DrawCommand: Equatable, Sendable {
    /// A filled rectangle.
    case rect(Rect, Color)
    /// A rectangle border drawn inside `Rect`, `thickness` units wide.
    case rectOutline(Rect, Color, thickness: Float)
    /// One line of text whose top-left corner is `origin`.
    case text(String, origin: Vec2, Color, FontRole)
    /// An image stretched over `dest`, modulated by `tint` (alpha = opacity).
    case image(ImageKey, dest: Rect, tint: Color)
    /// Sets the clip rectangle for the commands that follow; `nil` clips to the window.
    /// Each frame's list ends with no clip in force.
    case clip(Rect?)
}
