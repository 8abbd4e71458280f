import XCTest
@testable import Raster

final class OverlayTests: XCTestCase {
    /// 28×28 opaque image with a different colour in each pixel.
    private func photo() -> RGBAImage {
        var image = RGBAImage(width: 28, height: 28, fill: (0, 0, 0, 255))
        for y in 0..<28 { for x in 0..<28 { image[x, y] = (UInt8(x * 9), UInt8(y * 9), UInt8((x * y) % 256), 255) } }
        return image
    }

    private func cam() -> FloatMap {
        FloatMap(width: 14, height: 14, values: (0..<196).map { Float($0) / 195 })
    }

    func testHeatmap_ZeroOpacityIsTheGrayscaleImage() {
        XCTAssertEqual(Overlay.heatmap(cam(), over: photo(), opacity: 0), photo().grayscale())
    }

    func testHeatmap_FullOpacityIsPureJet() {
        let out = Overlay.heatmap(cam(), over: photo(), opacity: 1)
        let expected = Overlay.heatmapImage(cam().resizedBilinear(width: 28, height: 28))
        XCTAssertEqual(out, expected)
        XCTAssert(out[0, 0] == (0, 0, 127, 255))
        XCTAssert(out[27, 27] == (127, 0, 0, 255))
    }

    func testHeatmap_HalfOpacityAveragesGrayAndJet() {
        let gray = RGBAImage(width: 20, height: 10, fill: (100, 100, 100, 255))
        let out = Overlay.heatmap(FloatMap(width: 2, height: 2, values: [0.5, 0.5, 0.5, 0.5]), over: gray, opacity: 0.5)
        XCTAssertEqual(out.width, 20)
        XCTAssertEqual(out.height, 10)
        // jet(0.5) = (124, 255, 121): (100+124)/2, (100+255)/2 = 177.5, (100+121)/2 = 110.5
        XCTAssert(out[13, 7] == (112, 178, 111, 255))
    }

    func testHeatmap_TransparentImageIsTreatedAsWhite() {
        let clear = RGBAImage(width: 4, height: 4, fill: (0, 0, 0, 0))
        let out = Overlay.heatmap(FloatMap(width: 1, height: 1, values: [0]), over: clear, opacity: 0.25)
        // 255·0.75 + (0, 0, 127)·0.25
        XCTAssert(out[3, 3] == (191, 191, 223, 255))
    }

    func testHeatmapImage_ColoursEachValue() {
        let image = Overlay.heatmapImage(FloatMap(width: 3, height: 1, values: [0, 0.5, 1]))
        XCTAssertEqual(image.pixels, [0, 0, 127, 255, 124, 255, 121, 255, 127, 0, 0, 255])
    }
}
