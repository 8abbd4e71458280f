import ImmediateUI
import XCTest

/// Presses that come faster than frames (a busy frame, auto-repeat) are all counted, not merged into one.
final class KeyCountTests: XCTestCase {
    func testKeySet_CountsEveryPress() {
        var keys = KeySet()
        for _ in 0..<6 { keys.insert(.right) }
        keys.insert(.left)
        XCTAssertEqual(keys.count(.right), 6)
        XCTAssertEqual(keys.count(.left), 1)
        XCTAssertEqual(keys.count(.up), 0)
        XCTAssertTrue(keys.contains(.right))
    }

    func testUIContext_KeyPresses_ReportsTheCountOfTheFrame() {
        var keys = KeySet()
        for _ in 0..<3 { keys.insert(.pageDown) }
        let ui = UIContext(measurer: FixedWidthTextMeasurer(charWidth: 8, lineHeight: 16))
        ui.beginFrame(input: InputSnapshot(keysPressed: keys))
        XCTAssertEqual(ui.keyPresses(.pageDown), 3)
        XCTAssertTrue(ui.keyPressed(.pageDown))
        _ = ui.endFrame()
    }
}
