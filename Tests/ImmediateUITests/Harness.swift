import ImmediateUI
import XCTest

/// Drives a `UIContext` with synthetic input, one frame per call.
final class Harness {
    let ui: UIContext
    var window = Vec2(800, 600)

    init(measurer: any TextMeasurer = FixedWidthTextMeasurer(charWidth: 8, lineHeight: 16)) {
        ui = UIContext(measurer: measurer)
    }

    /// Runs one frame with `input` and returns its draw list.
    @discardableResult
    func frame(_ input: InputSnapshot, _ body: (UIContext) -> Void) -> [DrawCommand] {
        var input = input
        input.windowSize = window
        ui.beginFrame(input: input)
        body(ui)
        return ui.endFrame()
    }
}

/// Mouse moved to (x, y), no buttons.
func move(_ x: Float, _ y: Float) -> InputSnapshot { InputSnapshot(mouse: Vec2(x, y)) }
/// Left button went down at (x, y).
func press(_ x: Float, _ y: Float) -> InputSnapshot {
    InputSnapshot(mouse: Vec2(x, y), mouseDown: .left, mousePressed: .left)
}
/// Left button held while at (x, y).
func drag(_ x: Float, _ y: Float) -> InputSnapshot { InputSnapshot(mouse: Vec2(x, y), mouseDown: .left) }
/// Left button went up at (x, y).
func release(_ x: Float, _ y: Float) -> InputSnapshot { InputSnapshot(mouse: Vec2(x, y), mouseReleased: .left) }
/// Wheel turned by `delta` with the mouse at (x, y).
func wheel(_ x: Float, _ y: Float, _ delta: Float) -> InputSnapshot { InputSnapshot(mouse: Vec2(x, y), wheel: delta) }

/// The clip commands of a draw list, in order.
func clips(_ commands: [DrawCommand]) -> [Rect?] {
    commands.compactMap { if case .clip(let r) = $0 { return .some(r) } else { return nil } }
}

/// The strings of the text commands of a draw list, in order.
func texts(_ commands: [DrawCommand]) -> [String] {
    commands.compactMap { if case .text(let s, _, _, _) = $0 { return s } else { return nil } }
}
