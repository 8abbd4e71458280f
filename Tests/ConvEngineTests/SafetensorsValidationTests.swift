import ConvEngine
import XCTest

/// Hostile safetensors headers, each refused before anything large is allocated, with the specific error.
final class SafetensorsValidationTests: XCTestCase {
    private var folder: TemporaryFolder!

    override func setUpWithError() throws { folder = try TemporaryFolder("hostilest") }
    override func tearDown() { folder = nil }

    private func entry(_ name: String, shape: [Int], _ begin: Int, _ end: Int, dtype: String = "F32") -> String {
        "\"\(name)\":{\"dtype\":\"\(dtype)\",\"shape\":[\(shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(begin),\(end)]}"
    }

    private func assertRefused(
        _ header: String, data: Int, _ expected: (String) -> WeightsError, file: StaticString = #filePath,
        line: UInt = #line
    ) throws {
        let name = "t\(line).safetensors"
        let path = try folder.write(
            name, WeightFiles.safetensors(header: header, data: [UInt8](repeating: 0, count: data)))
        XCTAssertLoadThrows(path, expected(name), file: file, line: line)
    }

    func testLoad_HeaderLengthOverCap_ThrowsMalformed() throws {
        var bytes: [UInt8] = []
        withUnsafeBytes(of: UInt64(100 * 1024 * 1024 + 1).littleEndian) { bytes += $0 }
        let path = try folder.write("cap.safetensors", bytes + Array("{\"a\":{}}".utf8))
        XCTAssertLoadThrows(
            path,
            WeightsError.malformed(file: "cap.safetensors", detail: "header length 104857601 is over the 100 MB cap"))
    }

    func testLoad_HeaderPastEndOfFile_ThrowsTruncated() throws {
        var bytes: [UInt8] = []
        withUnsafeBytes(of: UInt64(4096).littleEndian) { bytes += $0 }
        let path = try folder.write("short.safetensors", bytes + Array("{\"a\":{\"dtype\":\"F32\"".utf8))
        XCTAssertLoadThrows(path, .truncated(file: "short.safetensors", detail: "header runs past the end of the file"))
    }

    func testLoad_HeaderNotUTF8_ThrowsMalformed() throws {
        let header =
            Array("{\"a".utf8) + [0xFF, 0xFE]
            + Array("\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}".utf8)
        let path = try folder.write(
            "utf8.safetensors", WeightFiles.safetensors(headerBytes: header, data: [0, 0, 0, 0]))
        XCTAssertLoadThrows(
            path, WeightsError.malformed(file: "utf8.safetensors", detail: "header: header is not UTF-8"))
    }

    func testLoad_DuplicateNames_ThrowsMalformed() throws {
        try assertRefused("{\(entry("a", shape: [1], 0, 4)),\(entry("a", shape: [1], 4, 8))}", data: 8) {
            .malformed(file: $0, detail: "header: duplicate name \"a\"")
        }
        // The same name spelled with an escape is still a duplicate.
        try assertRefused("{\(entry("a", shape: [1], 0, 4)),\(entry("\\u0061", shape: [1], 4, 8))}", data: 8) {
            .malformed(file: $0, detail: "header: duplicate name \"a\"")
        }
    }

    func testLoad_GapBetweenTensors_ThrowsMalformed() throws {
        try assertRefused("{\(entry("a", shape: [1], 0, 4)),\(entry("b", shape: [1], 8, 12))}", data: 12) {
            .malformed(file: $0, detail: "gap before tensor b")
        }
    }

    func testLoad_OverlappingTensors_ThrowsMalformed() throws {
        try assertRefused("{\(entry("a", shape: [2], 0, 8)),\(entry("b", shape: [2], 4, 12))}", data: 12) {
            .malformed(file: $0, detail: "tensor b overlaps another")
        }
    }

    func testLoad_ShapeAndDtypeDisagreeWithByteSpan_ThrowsMalformed() throws {
        try assertRefused("{\(entry("a", shape: [3], 0, 8))}", data: 8) {
            .malformed(file: $0, detail: "tensor a: shape and dtype need 12 bytes, offsets span 8")
        }
    }

    func testLoad_OverflowingShape_ThrowsMalformed() throws {
        try assertRefused("{\(entry("a", shape: [4_294_967_296, 4_294_967_296, 16], 0, 8))}", data: 8) {
            .malformed(file: $0, detail: "tensor a's shape overflows")
        }
    }

    func testLoad_BytesAfterLastTensor_ThrowsMalformed() throws {
        try assertRefused("{\(entry("a", shape: [2], 0, 8))}", data: 12) {
            .malformed(file: $0, detail: "4 bytes after the last tensor")
        }
    }

    func testLoad_UnknownDtype_ThrowsMalformed() throws {
        try assertRefused("{\(entry("a", shape: [2], 0, 8, dtype: "F8_E4M3"))}", data: 8) {
            .malformed(file: $0, detail: "tensor a has no known dtype")
        }
    }

    func testLoad_TruncatedCopyOfValidFile_ThrowsTruncated() throws {
        let bytes = WeightFiles.safetensors(
            WeightFiles.torchvision(TinyNetwork.randomModel(TinyNetwork.loaderArchitecture, seed: 121)))
        let good = try folder.write("good.safetensors", bytes)
        XCTAssertNoThrow(try ModelLoader.load(path: good))
        let headerLength = Int(bytes[0]) | Int(bytes[1]) << 8 | Int(bytes[2]) << 16
        let dataSize = bytes.count - 8 - headerLength
        let cut = try folder.truncatedCopy(of: good, keeping: bytes.count - 100, as: "cut.safetensors")
        XCTAssertLoadThrows(
            cut,
            .truncated(
                file: "cut.safetensors", detail: "tensors need \(dataSize) bytes, the file has \(dataSize - 100)"))
        let cutHeader = try folder.truncatedCopy(of: good, keeping: 8 + headerLength / 2, as: "cuthead.safetensors")
        XCTAssertLoadThrows(
            cutHeader, .truncated(file: "cuthead.safetensors", detail: "header runs past the end of the file"))
    }
}
