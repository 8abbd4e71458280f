import Foundation
import Platform
import XCTest

/// Without a display, opening the window fails with an error that says what to do.
final class AppWindowNoDisplayTests: XCTestCase {
    func testAppWindow_WithoutADisplayThrowsNoDisplay() throws {
        let env = ProcessInfo.processInfo.environment
        guard (env["DISPLAY"] ?? "").isEmpty, (env["WAYLAND_DISPLAY"] ?? "").isEmpty, env["SDL_VIDEODRIVER"] == nil
        else {
            throw XCTSkip(
                "a display is available (DISPLAY/WAYLAND_DISPLAY/SDL_VIDEODRIVER set); this checks the error without one"
            )
        }
        XCTAssertThrowsError(try AppWindow(title: "ConvScope", width: 1024, height: 700)) { error in
            XCTAssertEqual(error as? PlatformError, .noDisplay)
            XCTAssertTrue("\(error)".contains("xvfb-run"), "\(error)")
        }
    }
}
