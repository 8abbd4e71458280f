import ConvEngine
import Foundation
import XCTest

/// `Parallel`'s helpers against their serial meaning.
final class ParallelTests: XCTestCase {
    func testMap_IsTheSerialMapInOrder_WhateverTheThreads() {
        for (n, ways) in [(0, 2), (1, 2), (7, 2), (1152, 2), (1000, 3), (5, 8)] {
            let out = Parallel.map(n, ways: ways) { "item \($0 * $0)" }
            XCTAssertEqual(out, (0..<n).map { "item \($0 * $0)" }, "n \(n), ways \(ways)")
        }
    }
}
