import XCTest
@testable import Raster

final class ChannelRenderTests: XCTestCase {
    private func grays(_ image: RGBAImage) -> [UInt8] {
        stride(from: 0, to: image.pixels.count, by: 4).map { image.pixels[$0] }
    }

    func testGrayscale_ScalesToOwnMinMax() {
        let image = ChannelRender.grayscale(FloatMap(width: 2, height: 2, values: [-2, 0, 1, 2]))
        XCTAssertEqual(grays(image), [0, 128, 191, 255])  // 127.5, 191.25
        XCTAssert(image[1, 0] == (128, 128, 128, 255))
    }

    func testGrayscale_ConstantMapIsBlack() {
        XCTAssertEqual(ChannelRender.grayscale(FloatMap(width: 3, height: 3, values: .init(repeating: 0, count: 9))),
                       RGBAImage(width: 3, height: 3, fill: (0, 0, 0, 255)))
        XCTAssertEqual(grays(ChannelRender.grayscale(FloatMap(width: 2, height: 1, values: [4.5, 4.5]))), [0, 0])
    }

    func testGrayscale_NonFiniteCountsAsZero() {
        let image = ChannelRender.grayscale(FloatMap(width: 4, height: 1, values: [.nan, 4, -.infinity, 2]))
        XCTAssertEqual(grays(image), [0, 255, 0, 128])
    }

    func testGrayLevels_AreTheGrayscaleImagesLevelsOneBytePerPixel() {
        let map = FloatMap(width: 3, height: 2, values: [-2, 0, 1, 2, .nan, 0.5])
        let levels = ChannelRender.grayLevels(map)
        XCTAssertEqual(levels.levels, [0, 128, 191, 255, 128, 159])
        XCTAssertEqual(levels.rgba.pixels, [0, 128, 191, 255, 128, 159].flatMap { [$0, $0, $0, 255] })
        XCTAssert(levels.rgba[2, 1] == (159, 159, 159, 255))
    }

    func testExtract_PicksOneChannelOfHWC() {
        // 2×3 pixels, 2 channels: value = 10·pixel + channel.
        let data: [Float] = (0..<6).flatMap { [Float($0 * 10), Float($0 * 10 + 1)] }
        let map = ChannelRender.extract(channel: 1, fromHWC: data, height: 2, width: 3, channels: 2)
        XCTAssertEqual(map.width, 3)
        XCTAssertEqual(map.height, 2)
        XCTAssertEqual(map.values, [1, 11, 21, 31, 41, 51])
    }
}
