import ConvEngine
import XCTest

/// Element-wise equality of two Double arrays within `accuracy`, reporting the first mismatch only.
func XCTAssertEqual(_ a: [Double], _ b: [Double], accuracy: Double, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, "counts differ", file: file, line: line)
    if let i = a.indices.first(where: { $0 < b.count && abs(a[$0] - b[$0]) > accuracy }) {
        XCTFail("element \(i): \(a[i]) vs \(b[i]) (accuracy \(accuracy))", file: file, line: line)
    }
}

/// `WeightsLoader.load` on `path` throws exactly `expected`.
func XCTAssertLoadThrows(_ path: String, architecture: Architecture = TinyNetwork.loaderArchitecture, _ expected: WeightsError,
                         file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertThrowsError(try WeightsLoader.load(path: path, architecture: architecture), file: file, line: line) { error in
        XCTAssertEqual(error as? WeightsError, expected, file: file, line: line)
    }
}
