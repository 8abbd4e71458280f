import ConvEngine
import XCTest

/// Paths that are not weights files at all.
final class WeightsLoaderErrorTests: XCTestCase {
    private var folder: TemporaryFolder!

    override func setUpWithError() throws { folder = try TemporaryFolder("badpaths") }
    override func tearDown() { folder = nil }

    func testLoad_MissingPath_ThrowsNotFound() {
        let path = folder.path("nowhere.h5")
        XCTAssertLoadThrows(path, .notFound(path: path))
    }

    func testLoad_Directory_ThrowsIsDirectory() throws {
        let path = folder.path("weights.h5")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        XCTAssertLoadThrows(path, .isDirectory(path: path))
    }

    func testLoad_EmptyFile_ThrowsTruncated() throws {
        let path = try folder.write("empty.safetensors", [])
        XCTAssertLoadThrows(path, .truncated(file: "empty.safetensors", detail: "the file is empty"))
    }

    func testLoad_TextFile_ThrowsUnknownFormat() throws {
        let path = try folder.write("readme.h5", Array("These are not the weights you are looking for.\n".utf8))
        XCTAssertLoadThrows(path, .unknownFormat(file: "readme.h5"))
    }

    func testLoad_TinyBinaryFile_ThrowsUnknownFormat() throws {
        let path = try folder.write("tiny.bin", [0x01, 0x00, 0x00])
        XCTAssertLoadThrows(path, .unknownFormat(file: "tiny.bin"))
    }
}
