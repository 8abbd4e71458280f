import ConvEngine
import Foundation
import XCTest

final class NPYTests: XCTestCase {
    /// Parses a version-1.0 .npy as NumPy would: magic, header length, dict text, then the raw data.
    private func parse(
        _ data: Data, file: StaticString = #filePath, line: UInt = #line
    ) -> (header: String, shape: [Int], values: [Float]) {
        let b = [UInt8](data)
        XCTAssertEqual(
            Array(b[0..<8]), [0x93] + Array("NUMPY".utf8) + [1, 0], "magic and version", file: file, line: line)
        let headerLength = Int(b[8]) | Int(b[9]) << 8
        XCTAssertEqual((10 + headerLength) % 64, 0, "data must start 64-byte aligned", file: file, line: line)
        let header = String(decoding: b[10..<(10 + headerLength)], as: UTF8.self)
        XCTAssertEqual(header.last, "\n", file: file, line: line)
        let open = header.range(of: "'shape': (")!.upperBound
        let close = header[open...].firstIndex(of: ")")!
        let shape = header[open..<close].split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces))! }
        let raw = b[(10 + headerLength)...]
        let values = stride(from: raw.startIndex, to: raw.endIndex, by: 4).map { i in
            Float(
                bitPattern: UInt32(raw[i]) | UInt32(raw[i + 1]) << 8 | UInt32(raw[i + 2]) << 16 | UInt32(raw[i + 3])
                    << 24)
        }
        XCTAssertEqual(raw.count % 4, 0, file: file, line: line)
        return (header, shape, values)
    }

    func testEncode_ThreeDimensions_IsAlignedAndParsesBack() {
        var rng = SeededRandom(seed: 131)
        let values = rng.floats(2 * 3 * 5)
        let p = parse(NPY.encode(values, shape: [2, 3, 5]))
        XCTAssertTrue(p.header.hasPrefix("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3, 5), }"), p.header)
        XCTAssertEqual(p.shape, [2, 3, 5])
        XCTAssertEqual(p.values, values)
    }

    func testEncode_OneDimension_WritesTupleWithTrailingComma() {
        let p = parse(NPY.encode([1.5, -2, .infinity], shape: [3]))
        XCTAssertTrue(p.header.contains("'shape': (3,)"), p.header)
        XCTAssertEqual(p.shape, [3])
        XCTAssertEqual(p.values, [1.5, -2, .infinity])
    }

    func testEncode_ManyHeaderLengths_StayAligned() {
        // Ranks 1…24 grow the dict text 3 characters at a time, through every padding remainder modulo 64.
        for rank in 1...24 {
            let shape = [Int](repeating: 1, count: rank - 1) + [rank]
            let p = parse(NPY.encode((0..<rank).map(Float.init), shape: shape))
            XCTAssertEqual(p.shape, shape)
            XCTAssertEqual(p.values, (0..<rank).map(Float.init))
        }
    }

    func testEncodeFeatureMap_UsesHeightWidthChannels() {
        let map = FeatureMap(height: 2, width: 3, channels: 4, data: (0..<24).map(Float.init))
        let p = parse(NPY.encode(map))
        XCTAssertEqual(p.shape, [2, 3, 4])
        XCTAssertEqual(p.values, map.data)
    }
}
