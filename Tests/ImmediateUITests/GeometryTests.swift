import ImmediateUI
import XCTest

final class GeometryTests: XCTestCase {
    func testRect_IntersectionAndContainment() {
        let a = Rect(0, 0, 10, 10)
        XCTAssertEqual(a.intersection(Rect(5, 5, 10, 10)), Rect(5, 5, 5, 5))
        XCTAssertEqual(a.intersection(Rect(20, 20, 5, 5)).size, .zero)
        XCTAssertTrue(a.contains(Vec2(0, 0)))
        XCTAssertFalse(a.contains(Vec2(10, 5)), "right edge is exclusive")
        XCTAssertEqual(a.inset(by: Vec2(2, 3)), Rect(2, 3, 6, 4))
    }

    func testKeySet_InsertRemoveContains() {
        var keys: KeySet = [.q, .pageDown]
        XCTAssertTrue(keys.contains(.q) && keys.contains(.pageDown))
        XCTAssertFalse(keys.contains(.tab))
        keys.remove(.q)
        keys.insert(.tab)
        XCTAssertEqual(Key.allCases.filter(keys.contains), [.tab, .pageDown])
        XCTAssertTrue(KeySet().isEmpty)
    }

    func testImageKey_NameGivesStableIDIndependentOfVersion() {
        XCTAssertEqual(ImageKey("channel-3", version: 1).id, ImageKey("channel-3", version: 9).id)
        XCTAssertNotEqual(ImageKey("channel-3").id, ImageKey("channel-4").id)
        XCTAssertNotEqual(ImageKey("channel-3", version: 1), ImageKey("channel-3", version: 2))
    }

    func testColor_HexAndAlpha() {
        XCTAssertEqual(Color(hex: 0x4C8DFF), Color(0x4C, 0x8D, 0xFF, 255))
        XCTAssertEqual(Color.white.withAlpha(10).a, 10)
    }
}
