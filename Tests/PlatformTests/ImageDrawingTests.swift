import ImmediateUI
import Platform
import Raster
import XCTest

final class ImageDrawingTests: XCTestCase {
    static let red: RGBAImage.Pixel = (255, 0, 0, 255)
    static let blue: RGBAImage.Pixel = (0, 0, 255, 255)

    /// A 2×2 checker: red top-left and bottom-right, blue elsewhere.
    static func checker() -> RGBAImage {
        var img = RGBAImage(width: 2, height: 2, fill: red)
        img[1, 0] = blue
        img[0, 1] = blue
        return img
    }

    func testNearestImage_CheckerAt20x20GivesFourSolidBlocks() throws {
        let off = try OffscreenCanvas(width: 40, height: 40)
        let provider = DictionaryImageProvider()
        let key = ImageKey("checker")
        provider.images[key.id] = Self.checker()
        off.canvas.images = provider
        off.canvas.nearestNeighbour = { $0 == key }
        let image = off.render([.image(key, dest: Rect(10, 10, 20, 20), tint: .white)], clear: .black)
        for y in 0..<40 {
            for x in 0..<40 {
                let want: [UInt8]
                if x < 10 || x >= 30 || y < 10 || y >= 30 {
                    want = [0, 0, 0, 255]
                } else {
                    want = ((x - 10) / 10 + (y - 10) / 10) % 2 == 0 ? [255, 0, 0, 255] : [0, 0, 255, 255]
                }
                guard image.rgba(x, y) == want else {
                    return XCTFail("pixel (\(x),\(y)) is \(image.rgba(x, y)), expected \(want)")
                }
            }
        }
    }

    func testLinearImage_BlendsBetweenSourcePixels() throws {
        let off = try OffscreenCanvas(width: 20, height: 20)
        let provider = DictionaryImageProvider()
        let key = ImageKey("checker")
        provider.images[key.id] = Self.checker()
        off.canvas.images = provider
        let image = off.render([.image(key, dest: Rect(0, 0, 20, 20), tint: .white)], clear: .black)
        // Near the centre linear filtering mixes red and blue; nearest would give a pure colour.
        let c = image.rgba(10, 9)
        XCTAssertTrue(c[0] > 40 && c[2] > 40, "centre pixel \(c) should mix red and blue")
    }

    func testImage_StretchesTheProvidersPixelsOverTheDestRect() throws {
        let off = try OffscreenCanvas(width: 30, height: 30)
        let provider = DictionaryImageProvider()
        let key = ImageKey(id: 7)
        provider.images[7] = RGBAImage(width: 3, height: 5, fill: (0, 200, 0, 255))
        off.canvas.images = provider
        let image = off.render([.image(key, dest: Rect(2, 4, 12, 20), tint: .white)], clear: .black)
        XCTAssertEqual(image.countDifferent(from: .black), 12 * 20)
        XCTAssertPixel(image, 2, 4, [0, 200, 0, 255])
        XCTAssertPixel(image, 13, 23, [0, 200, 0, 255])
    }

    func testImageTint_ModulatesColourAndOpacity() throws {
        let off = try OffscreenCanvas(width: 10, height: 10)
        let provider = DictionaryImageProvider()
        provider.images[1] = RGBAImage(width: 4, height: 4, fill: (255, 255, 255, 255))
        off.canvas.images = provider
        let image = off.render(
            [.image(ImageKey(id: 1), dest: Rect(0, 0, 10, 10), tint: Color(255, 0, 0, 128))], clear: .black)
        XCTAssertPixel(image, 5, 5, [128, 0, 0, 255], tolerance: 2)
    }

    func testSameKeyAndVersion_UploadsOnceAndANewVersionUploadsAgain() throws {
        let off = try OffscreenCanvas(width: 20, height: 20)
        let provider = DictionaryImageProvider()
        provider.images[42] = RGBAImage(width: 2, height: 2, fill: (255, 0, 0, 255))
        off.canvas.images = provider
        off.canvas.nearestNeighbour = { _ in true }
        let v0 = ImageKey(id: 42, version: 0)
        _ = off.render([.image(v0, dest: Rect(0, 0, 20, 20), tint: .white)], clear: .black)
        let second = off.render(
            [
                .image(v0, dest: Rect(0, 0, 20, 20), tint: .white),
                .image(v0, dest: Rect(0, 0, 5, 5), tint: .white),
            ], clear: .black)
        XCTAssertEqual(off.canvas.textureUploads, 1)
        XCTAssertEqual(provider.requests, 1)
        XCTAssertPixel(second, 10, 10, [255, 0, 0, 255])

        provider.images[42] = RGBAImage(width: 2, height: 2, fill: (0, 255, 0, 255))
        let third = off.render(
            [.image(ImageKey(id: 42, version: 1), dest: Rect(0, 0, 20, 20), tint: .white)], clear: .black)
        XCTAssertEqual(off.canvas.textureUploads, 2)
        XCTAssertPixel(third, 10, 10, [0, 255, 0, 255])

        provider.images[42] = RGBAImage(width: 3, height: 1, fill: (0, 0, 255, 255))
        let fourth = off.render(
            [.image(ImageKey(id: 42, version: 2), dest: Rect(0, 0, 20, 20), tint: .white)], clear: .black)
        XCTAssertEqual(off.canvas.textureUploads, 3, "a new size replaces the texture")
        XCTAssertPixel(fourth, 10, 10, [0, 0, 255, 255])
        XCTAssertEqual(off.canvas.cachedImageCount, 1)
    }

    func testMissingImage_DrawsNothing() throws {
        let off = try OffscreenCanvas(width: 10, height: 10)
        off.canvas.images = DictionaryImageProvider()
        let image = off.render([.image(ImageKey(id: 9), dest: Rect(0, 0, 10, 10), tint: .white)], clear: .black)
        XCTAssertEqual(image.countDifferent(from: .black), 0)
        XCTAssertEqual(off.canvas.textureUploads, 0)
    }

    func testImageCacheBudget_EvictsImagesNotUsedThisFrame() throws {
        let off = try OffscreenCanvas(width: 10, height: 10)
        let provider = DictionaryImageProvider()
        for id in 0..<4 { provider.images[UInt64(id)] = RGBAImage(width: 8, height: 8, fill: (1, 2, 3, 255)) }
        off.canvas.images = provider
        off.canvas.imageCacheBudget = 2 * 8 * 8 * 4
        for id in 0..<4 {
            _ = off.render([.image(ImageKey(id: UInt64(id)), dest: Rect(0, 0, 10, 10), tint: .white)], clear: .black)
        }
        XCTAssertLessThanOrEqual(off.canvas.cachedImageCount, 2)
        _ = off.render([.image(ImageKey(id: 3), dest: Rect(0, 0, 10, 10), tint: .white)], clear: .black)
        XCTAssertEqual(off.canvas.textureUploads, 4, "the most recent image stayed cached")
    }
}
