import XCTest

@testable import Raster

final class ResizeTests: XCTestCase {
    private func grayRow(_ values: [UInt8]) -> RGBAImage {
        RGBAImage(width: values.count, height: 1, pixels: values.flatMap { [$0, $0, $0, 255] })
    }

    private func reds(_ image: RGBAImage) -> [Int] {
        stride(from: 0, to: image.pixels.count, by: 4).map { Int(image.pixels[$0]) }
    }

    func testResized_CheckerboardShrinksToFlatGray() {
        var board = RGBAImage(width: 512, height: 512, fill: (0, 0, 0, 255))
        for y in 0..<512 { for x in 0..<512 where (x + y) % 2 == 1 { board[x, y] = (255, 255, 255, 255) } }
        let small = board.resized(width: 224, height: 224)
        XCTAssertEqual(small.width, 224)
        let values = reds(small)
        // Pillow's BILINEAR gives 125…130 here; nearest sampling would give 0 and 255.
        XCTAssertGreaterThanOrEqual(values.min()!, 122)
        XCTAssertLessThanOrEqual(values.max()!, 133)
        XCTAssertTrue(small.pixels.enumerated().allSatisfy { $0.offset % 4 != 3 || $0.element == 255 })
    }

    func testResized_UpscalingKeepsConstantImageConstant() {
        let flat = RGBAImage(width: 7, height: 5, fill: (13, 200, 77, 255))
        XCTAssertEqual(flat.resized(width: 31, height: 19), RGBAImage(width: 31, height: 19, fill: (13, 200, 77, 255)))
        XCTAssertEqual(flat.resized(width: 3, height: 2), RGBAImage(width: 3, height: 2, fill: (13, 200, 77, 255)))
    }

    func testResized_RampStaysMonotone() {
        let ramp = grayRow((0..<200).map { UInt8($0) })
        for width in [37, 200 * 3 + 1] {
            let values = reds(ramp.resized(width: width, height: 1))
            XCTAssertEqual(values.count, width)
            XCTAssertTrue(zip(values, values.dropFirst()).allSatisfy { $0 <= $1 }, "width \(width): \(values)")
            XCTAssertLessThan(values.first!, values.last!)
        }
    }

    func testResized_MatchesPillowBilinear() {
        let ramp = grayRow([0, 25, 50, 75, 100, 125, 150, 175, 200, 250])
        // Image.resize((4, 1), Image.BILINEAR) and ((23, 1), ...) in Pillow.
        XCTAssertEqual(reds(ramp.resized(width: 4, height: 1)), [25, 81, 144, 208])
        let pillow23 = [
            0, 4, 15, 26, 36, 47, 58, 69, 80, 91, 102, 113, 123, 134, 145, 156, 167, 178, 189, 199, 221, 242, 250,
        ]
        XCTAssertTrue(zip(reds(ramp.resized(width: 23, height: 1)), pillow23).allSatisfy { abs($0 - $1) <= 1 })
    }

    func testResized_SameSizeIsUnchanged() {
        var image = RGBAImage(width: 3, height: 2, fill: (1, 2, 3, 4))
        image[2, 1] = (250, 0, 9, 0)
        XCTAssertEqual(image.resized(width: 3, height: 2), image)
    }

    func testResized_TransparentPixelsDoNotBleedColour() {
        var image = RGBAImage(width: 2, height: 1, fill: (255, 0, 0, 255))
        image[1, 0] = (0, 255, 0, 0)
        let out = image.resized(width: 1, height: 1)
        XCTAssert(out[0, 0] == (255, 0, 0, 128))
    }
}
