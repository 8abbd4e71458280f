import ConvEngine
import XCTest

/// Element-wise equality of two Double arrays within `accuracy`, reporting the first mismatch only.
func XCTAssertEqual(_ a: [Double], _ b: [Double], accuracy: Double, file: StaticString = #filePath, line: UInt = #line)
{
    XCTAssertEqual(a.count, b.count, "counts differ", file: file, line: line)
    if let i = a.indices.first(where: { $0 < b.count && abs(a[$0] - b[$0]) > accuracy }) {
        XCTFail("element \(i): \(a[i]) vs \(b[i]) (accuracy \(accuracy))", file: file, line: line)
    }
}

/// `ModelLoader.load` on `path` throws exactly `expected` (a file the reader refuses).
func XCTAssertLoadThrows(_ path: String, _ expected: WeightsError, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertThrowsError(try ModelLoader.load(path: path), file: file, line: line) { error in
        XCTAssertEqual(error as? WeightsError, expected, "\(error)", file: file, line: line)
    }
}

/// `ModelLoader.load` on `path` throws exactly `expected` (tensors read but no model can be built from them).
func XCTAssertLoadThrows(_ path: String, _ expected: ModelError, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertThrowsError(try ModelLoader.load(path: path), file: file, line: line) { error in
        XCTAssertEqual(error as? ModelError, expected, "\(error)", file: file, line: line)
    }
}
