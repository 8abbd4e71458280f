import XCTest
@testable import Raster

/// The pixel work behind the channel dossier: the guided-backprop picture, the signed share map, blending, pasting.
final class DossierPixelsTests: XCTestCase {
    func testGradientPicture_IsMidGrayAtTheMeanAndTenthsOfASpreadAround() {
        // Mean 0, standard deviation 1: v maps to (v × 0.1 + 0.5) × 255, clipped.
        let values: [Float] = [1, -1, 1, -1, 1, -1]
        let p = RGBAImage.gradientPicture(values, width: 2, height: 1)
        XCTAssertEqual([p[0, 0].r, p[0, 0].g, p[0, 0].b, p[0, 0].a], [153, 102, 153, 255])
        XCTAssertEqual([p[1, 0].r, p[1, 0].g, p[1, 0].b], [102, 153, 102])
        let flat = RGBAImage.gradientPicture([Float](repeating: 0, count: 12), width: 2, height: 2)
        XCTAssertEqual(flat[1, 1].g, 128, "a gradient of zeros is mid-gray")
    }

    func testSignedImage_RedForPositiveBlueForNegativeAndAsOpaqueAsLarge() {
        let m = Overlay.signedImage(FloatMap(width: 4, height: 1, values: [1, -1, 0, .nan]))
        XCTAssertGreaterThan(m[0, 0].r, 200); XCTAssertLessThan(m[0, 0].b, 60); XCTAssertEqual(m[0, 0].a, 235)
        XCTAssertGreaterThan(m[1, 0].b, 200); XCTAssertLessThan(m[1, 0].r, 60); XCTAssertEqual(m[1, 0].a, 235)
        XCTAssertEqual(m[2, 0].a, 0); XCTAssertEqual(m[3, 0].a, 0)
        XCTAssertEqual(Overlay.signedImage(FloatMap(width: 1, height: 1, values: [0.5]))[0, 0].a, 118)
    }

    func testBlended_MixesByAlphaTimesOpacity() {
        let base = RGBAImage(width: 1, height: 1, fill: (r: 0, g: 100, b: 200, a: 255))
        let top = RGBAImage(width: 1, height: 1, fill: (r: 200, g: 100, b: 0, a: 255))
        let half = top.blended(over: base, opacity: 0.5)[0, 0]
        XCTAssertEqual([half.r, half.g, half.b, half.a], [100, 100, 100, 255])
        let clear = RGBAImage(width: 1, height: 1, fill: (r: 200, g: 100, b: 0, a: 0)).blended(over: base)[0, 0]
        XCTAssertEqual([clear.r, clear.g, clear.b], [0, 100, 200])
    }

    func testPaste_CopiesInsideAndClipsAtTheEdges() {
        var canvas = RGBAImage(width: 3, height: 3, fill: (r: 0, g: 0, b: 0, a: 255))
        let dot = RGBAImage(width: 2, height: 2, fill: (r: 9, g: 9, b: 9, a: 255))
        canvas.paste(dot, x: 2, y: -1)
        XCTAssertEqual(canvas[2, 0].r, 9)
        XCTAssertEqual(canvas[2, 1].r, 0)
        XCTAssertEqual(canvas[1, 0].r, 0)
        canvas.paste(dot, x: 5, y: 5)   // wholly outside: nothing
        XCTAssertEqual(canvas.pixels.filter { $0 == 9 }.count, 3)
    }
}
