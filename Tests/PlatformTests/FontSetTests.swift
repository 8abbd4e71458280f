import ImmediateUI
import Platform
import XCTest

final class FontSetTests: XCTestCase {
    func testSize_LongerStringIsWider() throws {
        let fonts = try FontSet(scale: 1)
        for role in FontRole.allCases {
            let short = fonts.size(of: "conv", role: role), long = fonts.size(of: "conv5_3 block", role: role)
            XCTAssertGreaterThan(long.x, short.x, "\(role)")
            XCTAssertEqual(long.y, short.y, "\(role): one line has one height")
        }
    }

    func testSize_HeadingIsLargerThanSmall() throws {
        let fonts = try FontSet(scale: 1)
        XCTAssertGreaterThan(fonts.size(of: "Layer", role: .heading).y, fonts.size(of: "Layer", role: .body).y)
        XCTAssertGreaterThan(fonts.size(of: "Layer", role: .body).y, fonts.size(of: "Layer", role: .small).y)
    }

    func testSize_IsInLogicalPointsWhateverTheScale() throws {
        let one = try FontSet(scale: 1).size(of: "predictions", role: .body)
        let two = try FontSet(scale: 2).size(of: "predictions", role: .body)
        XCTAssertEqual(two.x, one.x, accuracy: one.x * 0.1)
        XCTAssertEqual(two.y, one.y, accuracy: 2)
    }

    func testMono_HasEqualAdvanceForEveryCharacter() throws {
        let fonts = try FontSet(scale: 1)
        XCTAssertEqual(fonts.size(of: "iiii", role: .mono).x, fonts.size(of: "MMMM", role: .mono).x)
        XCTAssertNotEqual(fonts.size(of: "iiii", role: .body).x, fonts.size(of: "MMMM", role: .body).x)
    }

    func testEmptyString_HasNoWidthButALineHeight() throws {
        let fonts = try FontSet(scale: 1)
        XCTAssertEqual(fonts.size(of: "", role: .body).x, 0)
        XCTAssertEqual(fonts.size(of: "", role: .body).y, fonts.lineHeight(.body))
    }

    func testSetScale_KeepsLogicalSizes() throws {
        let fonts = try FontSet(scale: 1)
        let before = fonts.size(of: "block5_conv3", role: .small)
        try fonts.setScale(2)
        XCTAssertEqual(fonts.scale, 2)
        XCTAssertEqual(fonts.size(of: "block5_conv3", role: .small).x, before.x, accuracy: before.x * 0.1)
    }

    func testPlatformError_NoFontTellsHowToInstallOne() {
        let text = "\(PlatformError.noFont(family: "DejaVu Sans", tried: []))"
        XCTAssertTrue(text.contains("fonts-dejavu-core"), text)
        XCTAssertTrue("\(PlatformError.noDisplay)".contains("xvfb-run"))
    }
}
