import Foundation
import Platform
import Raster
import XCTest

final class ImageFileTests: XCTestCase {
    /// Photos copied into the repo with their credits (Tests/PlatformTests/Fixtures/CREDITS.md, Assets/CREDITS.md).
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    static let assets = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
        .appendingPathComponent("Assets")
    var tmp: URL!

    override func setUpWithError() throws {
        tmp = FileManager.default.temporaryDirectory.appendingPathComponent("convscope-image-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: tmp) }

    func fixture(_ name: String) -> String { Self.fixtures.appendingPathComponent(name).path }

    func write(_ bytes: [UInt8], _ name: String) -> String {
        let p = tmp.appendingPathComponent(name).path
        FileManager.default.createFile(atPath: p, contents: Data(bytes))
        return p
    }

    func assertError(_ path: String, _ expected: ImageError, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try ImageFile.load(path: path), file: file, line: line) { error in
            XCTAssertEqual(error as? ImageError, expected, file: file, line: line)
            XCTAssertFalse("\(error)".isEmpty)
        }
    }

    func testDecode_EveryFormatGivesThePattern() throws {
        for ext in ["png", "bmp", "gif", "webp", "tiff", "jpg"] {
            let image = try ImageFile.load(path: fixture("pattern.\(ext)"))
            XCTAssertEqual([image.width, image.height], [16, 16], ext)
            let tol = ext == "jpg" ? 40 : 0
            func near(_ p: RGBAImage.Pixel, _ q: (Int, Int, Int)) -> Bool {
                abs(Int(p.r) - q.0) <= tol && abs(Int(p.g) - q.1) <= tol && abs(Int(p.b) - q.2) <= tol && p.a == 255
            }
            XCTAssertTrue(near(image[1, 1], (30, 200, 30)), "\(ext) green corner \(image[1, 1])")
            XCTAssertTrue(near(image[5, 12], (220, 30, 30)), "\(ext) red half \(image[5, 12])")
            XCTAssertTrue(near(image[13, 8], (30, 30, 220)), "\(ext) blue half \(image[13, 8])")
        }
    }

    func testDecode_FormatComesFromContentNotName() throws {
        let png = try Data(contentsOf: URL(fileURLWithPath: fixture("pattern.png")))
        let misnamed = write([UInt8](png), "really-a-png.jpg")
        XCTAssertEqual(try ImageFile.load(path: misnamed), try ImageFile.load(path: fixture("pattern.png")))
    }

    func testDecode_GrayscaleBecomesThreeEqualChannels() throws {
        let image = try ImageFile.load(path: fixture("gray.png"))
        XCTAssertTrue(image[3, 3] == (77, 77, 77, 255))
        let camera = try ImageFile.load(path: Self.fixtures.appendingPathComponent("camera.png").path)
        XCTAssertEqual([camera.width, camera.height], [512, 512])
        for i in stride(from: 0, to: camera.pixels.count, by: 4 * 997) {
            XCTAssertEqual(camera.pixels[i], camera.pixels[i + 1])
            XCTAssertEqual(camera.pixels[i], camera.pixels[i + 2])
        }
    }

    func testDecode_AlphaIsCompositedOverWhite() throws {
        XCTAssertTrue(try ImageFile.load(path: fixture("transparent.png"))[7, 7] == (255, 255, 255, 255))
    }

    func testDecode_BadInputGivesClearErrors() throws {
        assertError(
            tmp.appendingPathComponent("missing.png").path,
            .notFound(path: tmp.appendingPathComponent("missing.png").path))
        assertError(tmp.path, .isDirectory(path: tmp.path))
        assertError(write([], "empty.png"), .empty(file: "empty.png"))
        assertError(write(Array("hello, I am text\n".utf8), "notes.jpg"), .notAnImage(file: "notes.jpg"))
        assertError(fixture("one_pixel.png"), .tooSmall(file: "one_pixel.png", width: 1, height: 1))

        let cat = [UInt8](try Data(contentsOf: Self.assets.appendingPathComponent("chelsea.png")))
        assertError(write(Array(cat.prefix(cat.count / 2)), "half.png"), .truncated(file: "half.png", kind: "PNG"))
        let jpg = [UInt8](try Data(contentsOf: URL(fileURLWithPath: fixture("pattern.jpg"))))
        assertError(write(Array(jpg.prefix(jpg.count - 200)), "cut.jpg"), .truncated(file: "cut.jpg", kind: "JPEG"))
        var png = [UInt8](try Data(contentsOf: URL(fileURLWithPath: fixture("pattern.png"))))
        png[40] ^= 0xFF
        png[50] ^= 0xFF  // damage the compressed data, keep the structure
        assertError(write(png, "damaged.png"), .damaged(file: "damaged.png", kind: "PNG"))
    }

    func testDecode_HugeImageRefusedFromItsHeader() throws {
        // A valid-looking PNG header claiming 20000×20000 (400 megapixels) and nothing else: refused before decoding.
        var header: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13] + Array("IHDR".utf8)
        header += [0, 0, 0x4E, 0x20, 0, 0, 0x4E, 0x20, 8, 2, 0, 0, 0, 0, 0, 0, 0]
        header += Array(repeating: 0, count: 100) + [0, 0, 0, 0] + Array("IEND".utf8) + [0xAE, 0x42, 0x60, 0x82]
        assertError(write(header, "huge.png"), .tooLarge(file: "huge.png", width: 20000, height: 20000))
        XCTAssertTrue(
            ImageError.tooLarge(file: "huge.png", width: 20000, height: 20000).description.contains("400 megapixels"))
    }

    func testPNGFile_RoundTripsAndNeverLeavesTemporaries() throws {
        var image = RGBAImage(width: 33, height: 17, fill: (r: 10, g: 20, b: 30, a: 255))
        image[32, 16] = (r: 250, g: 0, b: 5, a: 255)
        let path = tmp.appendingPathComponent("out.png").path
        try PNGFile.write(image, to: path)
        XCTAssertEqual(try ImageFile.load(path: path), image)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: tmp.path), ["out.png"])
    }

    func testPNGFile_NoReplaceKeepsTheExistingFile() throws {
        let path = tmp.appendingPathComponent("keep.png").path
        FileManager.default.createFile(atPath: path, contents: Data("mine".utf8))
        XCTAssertThrowsError(
            try PNGFile.write(
                RGBAImage(width: 8, height: 8, fill: (r: 0, g: 0, b: 0, a: 255)), to: path, replace: false)
        ) {
            XCTAssertEqual($0 as? ImageError, .exists(path: path))
        }
        XCTAssertEqual(FileManager.default.contents(atPath: path), Data("mine".utf8))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: tmp.path), ["keep.png"])
    }

    func testPNGFile_UnwritableFolderSaysSoAndLeavesNothing() throws {
        let path = tmp.appendingPathComponent("no/such/folder/x.png").path
        XCTAssertThrowsError(
            try PNGFile.write(RGBAImage(width: 8, height: 8, fill: (r: 0, g: 0, b: 0, a: 255)), to: path)
        ) {
            XCTAssertTrue("\($0)".contains("does not exist"), "\($0)")
        }
        // /proc is never writable, even for root.
        XCTAssertThrowsError(
            try PNGFile.write(RGBAImage(width: 8, height: 8, fill: (r: 0, g: 0, b: 0, a: 255)), to: "/proc/x.png")
        ) {
            XCTAssertTrue("\($0)".contains("could not be written"), "\($0)")
        }
    }
}
