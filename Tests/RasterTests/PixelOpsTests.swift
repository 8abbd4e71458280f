import XCTest
@testable import Raster

final class PixelOpsTests: XCTestCase {
    func testScaledNearest_EachPixelBecomesASquare() {
        let img = RGBAImage(width: 2, height: 1, pixels: [10, 20, 30, 255, 40, 50, 60, 128])
        let big = img.scaledNearest(by: 3)
        XCTAssertEqual(big.width, 6); XCTAssertEqual(big.height, 3)
        for y in 0..<3 {
            for x in 0..<6 {
                let p = big[x, y]
                XCTAssertEqual([p.r, p.g, p.b, p.a], x < 3 ? [10, 20, 30, 255] : [40, 50, 60, 128], "(\(x), \(y))")
            }
        }
        XCTAssertEqual(img.scaledNearest(by: 1), img)
    }

    func testGrayRamp_RunsBlackToWhite() {
        let v = RGBAImage.grayRamp(width: 2, height: 256, vertical: true)
        XCTAssertEqual(v[0, 0].r, 255); XCTAssertEqual(v[1, 255].g, 0); XCTAssertEqual(v[0, 128].b, 127)
        let h = RGBAImage.grayRamp(width: 256, height: 1, vertical: false)
        XCTAssertEqual(h[0, 0].r, 0); XCTAssertEqual(h[255, 0].r, 255); XCTAssertEqual(h[100, 0].a, 255)
    }

    func testWithAlpha_TakesClampedMapValues() {
        let img = RGBAImage(width: 3, height: 1, fill: (r: 1, g: 2, b: 3, a: 255))
        let out = img.withAlpha(FloatMap(width: 3, height: 1, values: [-1, 0.5, 2]))
        XCTAssertEqual([out[0, 0].a, out[1, 0].a, out[2, 0].a], [0, 127, 255])
        XCTAssertEqual([out[1, 0].r, out[1, 0].g, out[1, 0].b], [1, 2, 3])
    }

    func testRGBBytes_DropsAlpha() {
        let img = RGBAImage(width: 2, height: 1, pixels: [1, 2, 3, 4, 5, 6, 7, 8])
        XCTAssertEqual(img.rgbBytes, [1, 2, 3, 5, 6, 7])
        XCTAssertEqual(RGBAImage(rgb: img.rgbBytes, width: 2, height: 1).rgbBytes, img.rgbBytes)
    }

    func testGrayscaleRange_ClampsToTheSharedScale() {
        let map = FloatMap(width: 4, height: 1, values: [-5, 0, 5, 20])
        let img = ChannelRender.grayscale(map, range: (min: 0, max: 10))
        XCTAssertEqual((0..<4).map { img[$0, 0].r }, [0, 0, 127, 255])
        XCTAssertEqual(ChannelRender.grayscale(map, range: (min: 3, max: 3))[3, 0].r, 0, "zero span is black")
    }
}
