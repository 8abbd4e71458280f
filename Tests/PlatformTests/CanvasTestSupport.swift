import ImmediateUI
import Platform
import Raster
import XCTest

/// Serves images from a dictionary and counts how often it was asked.
final class DictionaryImageProvider: ImageProvider {
    var images: [UInt64: RGBAImage] = [:]
    private(set) var requests = 0

    func image(for key: ImageKey) -> RGBAImage? {
        requests += 1
        return images[key.id]
    }
}

extension RGBAImage {
    /// The pixel as an array, for readable XCTAssertEqual failures.
    func rgba(_ x: Int, _ y: Int) -> [UInt8] {
        let p = self[x, y]
        return [p.r, p.g, p.b, p.a]
    }

    /// Pixels in `rect` (pixel coordinates, clamped to the image) that differ from `color`.
    func countDifferent(from color: Color, x0: Int = 0, y0: Int = 0, x1: Int? = nil, y1: Int? = nil) -> Int {
        var n = 0
        for y in max(0, y0)..<min(height, y1 ?? height) {
            for x in max(0, x0)..<min(width, x1 ?? width) {
                let p = self[x, y]
                if p.r != color.r || p.g != color.g || p.b != color.b { n += 1 }
            }
        }
        return n
    }
}

func XCTAssertPixel(_ image: RGBAImage, _ x: Int, _ y: Int, _ expected: [UInt8], tolerance: Int = 0,
                    file: StaticString = #filePath, line: UInt = #line) {
    let got = image.rgba(x, y)
    let close = zip(got, expected).allSatisfy { abs(Int($0) - Int($1)) <= tolerance }
    XCTAssertTrue(close, "pixel (\(x),\(y)) is \(got), expected \(expected) ±\(tolerance)", file: file, line: line)
}
