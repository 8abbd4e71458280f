import XCTest
@testable import Raster

final class RGBAImageTests: XCTestCase {
    /// 3×2 image whose pixel (x, y) is (10x, 100y, x+y, 200).
    private func sample() -> RGBAImage {
        var image = RGBAImage(width: 3, height: 2, fill: (0, 0, 0, 0))
        for y in 0..<2 { for x in 0..<3 { image[x, y] = (UInt8(10 * x), UInt8(100 * y), UInt8(x + y), 200) } }
        return image
    }

    func testFill_SetsEveryPixel() {
        let image = RGBAImage(width: 2, height: 3, fill: (1, 2, 3, 4))
        XCTAssertEqual(image.pixels, Array([[UInt8]](repeating: [1, 2, 3, 4], count: 6).joined()))
    }

    func testSubscript_IsRowMajorRGBA() {
        let image = sample()
        XCTAssertEqual(Array(image.pixels[(1 * 3 + 2) * 4..<(1 * 3 + 2) * 4 + 4]), [20, 100, 3, 200])
        XCTAssert(image.pixel(x: 1, y: 0) == (10, 0, 1, 200))
    }

    func testCheckingInit_RejectsWrongByteCount() {
        XCTAssertThrowsError(try RGBAImage(checkingWidth: 2, height: 2, pixels: [UInt8](repeating: 0, count: 15))) {
            XCTAssertEqual($0 as? RasterError, .byteCountMismatch(expected: 16, got: 15))
        }
        XCTAssertThrowsError(try RGBAImage(checkingWidth: 0, height: 2, pixels: []))
        XCTAssertNoThrow(try RGBAImage(checkingWidth: 1, height: 1, pixels: [1, 2, 3, 4]))
    }

    func testCropped_CopiesTheRectangle() {
        let crop = sample().cropped(x: 1, y: 1, width: 2, height: 1)
        XCTAssertEqual(crop.width, 2)
        XCTAssertEqual(crop.height, 1)
        XCTAssertEqual(crop.pixels, [10, 100, 2, 200, 20, 100, 3, 200])
    }

    func testCenterCroppedSquare_TakesTheMiddle() {
        var wide = RGBAImage(width: 5, height: 2, fill: (0, 0, 0, 255))
        wide[1, 0] = (9, 9, 9, 255)
        let square = wide.centerCroppedSquare()
        XCTAssertEqual(square.width, 2)
        XCTAssertEqual(square.height, 2)
        XCTAssert(square[0, 0] == (9, 9, 9, 255))
        XCTAssertEqual(RGBAImage(width: 3, height: 7, fill: (1, 1, 1, 1)).centerCroppedSquare().width, 3)
    }

    func testCompositedOverWhite_BlendsByAlpha() {
        var image = RGBAImage(width: 3, height: 1, fill: (0, 0, 0, 255))
        image[1, 0] = (0, 100, 255, 0)
        image[2, 0] = (0, 100, 255, 128)
        let out = image.compositedOverWhite()
        XCTAssert(out[0, 0] == (0, 0, 0, 255))
        XCTAssert(out[1, 0] == (255, 255, 255, 255))
        // 0·128/255 + 255·127/255 = 127; 100·128/255 + 127 = 177.2; 255
        XCTAssert(out[2, 0] == (127, 177, 255, 255))
    }

    func testGrayscale_UsesRec601LumaAndKeepsAlpha() {
        var image = RGBAImage(width: 4, height: 1, fill: (255, 0, 0, 255))
        image[1, 0] = (0, 255, 0, 10)
        image[2, 0] = (0, 0, 255, 255)
        image[3, 0] = (200, 100, 50, 255)
        let out = image.grayscale()
        XCTAssert(out[0, 0] == (76, 76, 76, 255))     // 76.245
        XCTAssert(out[1, 0] == (150, 150, 150, 10))   // 149.685
        XCTAssert(out[2, 0] == (29, 29, 29, 255))     // 29.07
        XCTAssert(out[3, 0] == (124, 124, 124, 255))  // 59.8 + 58.7 + 5.7 = 124.2
    }
}
