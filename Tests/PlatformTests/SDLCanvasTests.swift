import ImmediateUI
import Platform
import Raster
import XCTest

final class SDLCanvasTests: XCTestCase {
    let background = Color(10, 20, 30)

    func testFilledRect_HasExactlyTheColourInsideAndBackgroundOutside() throws {
        let off = try OffscreenCanvas(width: 64, height: 48)
        let image = off.render([.rect(Rect(10, 5, 20, 30), Color(200, 100, 50))], clear: background)
        XCTAssertEqual([image.width, image.height], [64, 48])
        for y in 0..<48 {
            for x in 0..<64 {
                let inside = x >= 10 && x < 30 && y >= 5 && y < 35
                let want: [UInt8] = inside ? [200, 100, 50, 255] : [10, 20, 30, 255]
                guard image.rgba(x, y) == want else {
                    return XCTFail("pixel (\(x),\(y)) is \(image.rgba(x, y)), expected \(want)")
                }
            }
        }
    }

    func testHalfTransparentRect_BlendsWithTheBackground() throws {
        let off = try OffscreenCanvas(width: 32, height: 32)
        let image = off.render(
            [
                .rect(Rect(0, 0, 32, 32), Color(0, 0, 200)),
                .rect(Rect(8, 8, 16, 16), Color(255, 255, 0, 128)),
            ], clear: .black)
        // 255·128/255 + 0 ≈ 128 for red and green; 200·(1 − 128/255) ≈ 100 for blue.
        XCTAssertPixel(image, 16, 16, [128, 128, 100, 255], tolerance: 2)
        XCTAssertPixel(image, 2, 2, [0, 0, 200, 255])
    }

    func testClip_StopsDrawingOutsideTheClipRect() throws {
        let off = try OffscreenCanvas(width: 40, height: 40)
        let image = off.render(
            [
                .clip(Rect(10, 10, 10, 10)),
                .rect(Rect(0, 0, 40, 40), .white),
                .clip(nil),
                .rect(Rect(30, 30, 5, 5), Color(255, 0, 0)),
            ], clear: .black)
        XCTAssertEqual(
            image.countDifferent(from: .black), 100 + 25,
            "only the 10×10 clip area and the unclipped 5×5 rect are drawn")
        XCTAssertPixel(image, 10, 10, [255, 255, 255, 255])
        XCTAssertPixel(image, 19, 19, [255, 255, 255, 255])
        XCTAssertPixel(image, 9, 10, [0, 0, 0, 255])
        XCTAssertPixel(image, 20, 19, [0, 0, 0, 255])
        XCTAssertPixel(image, 32, 32, [255, 0, 0, 255])
    }

    func testEmptyClip_DrawsNothingInsteadOfEverything() throws {
        let off = try OffscreenCanvas(width: 20, height: 20)
        let image = off.render([.clip(Rect(5, 5, 0, 0)), .rect(Rect(0, 0, 20, 20), .white), .clip(nil)], clear: .black)
        XCTAssertEqual(image.countDifferent(from: .black), 0)
    }

    func testClip_IsResetAtTheNextFrame() throws {
        let off = try OffscreenCanvas(width: 20, height: 20)
        _ = off.render([.clip(Rect(0, 0, 2, 2))], clear: .black)
        let image = off.render([.rect(Rect(0, 0, 20, 20), .white)], clear: .black)
        XCTAssertEqual(image.countDifferent(from: .white), 0)
    }

    func testOutline_DrawsABorderOfTheGivenThicknessInsideTheRect() throws {
        let off = try OffscreenCanvas(width: 30, height: 30)
        let image = off.render([.rectOutline(Rect(5, 5, 20, 20), .white, thickness: 2)], clear: .black)
        XCTAssertPixel(image, 5, 5, [255, 255, 255, 255])
        XCTAssertPixel(image, 6, 15, [255, 255, 255, 255])
        XCTAssertPixel(image, 24, 24, [255, 255, 255, 255])
        XCTAssertPixel(image, 7, 15, [0, 0, 0, 255])
        XCTAssertPixel(image, 15, 15, [0, 0, 0, 255])
        XCTAssertPixel(image, 4, 4, [0, 0, 0, 255])
        XCTAssertEqual(image.countDifferent(from: .black), 20 * 20 - 16 * 16)
    }

    func testScale_MultipliesLogicalCoordinatesIntoPixels() throws {
        let off = try OffscreenCanvas(width: 20, height: 10, scale: 2)
        let image = off.render([.rect(Rect(5, 2, 3, 4), .white)], clear: .black)
        XCTAssertEqual([image.width, image.height], [40, 20])
        XCTAssertEqual(image.countDifferent(from: .black), 6 * 8)
        XCTAssertPixel(image, 10, 4, [255, 255, 255, 255])
        XCTAssertPixel(image, 15, 11, [255, 255, 255, 255])
        XCTAssertPixel(image, 16, 11, [0, 0, 0, 255])
    }

    func testAdjacentFractionalRects_LeaveNoGapAndDoNotOverlap() throws {
        let off = try OffscreenCanvas(width: 10, height: 4)
        let half = Color(255, 255, 255, 128)
        let image = off.render([.rect(Rect(0, 0, 3.4, 4), half), .rect(Rect(3.4, 0, 3.3, 4), half)], clear: .black)
        for x in 0..<7 { XCTAssertPixel(image, x, 1, [128, 128, 128, 255], tolerance: 1) }
        XCTAssertPixel(image, 7, 1, [0, 0, 0, 255])
    }
}
