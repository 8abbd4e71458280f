import XCTest
@testable import Raster

final class FloatMapTests: XCTestCase {
    func testResizedBilinear_UsesHalfPixelCentres() {
        // cv2.resize(np.float32([[1, 2], [3, 4]]), (4, 4), interpolation=cv2.INTER_LINEAR)
        let map = FloatMap(width: 2, height: 2, values: [1, 2, 3, 4]).resizedBilinear(width: 4, height: 4)
        XCTAssertEqual(map.values, [1, 1.25, 1.75, 2,
                                    1.5, 1.75, 2.25, 2.5,
                                    2.5, 2.75, 3.25, 3.5,
                                    3, 3.25, 3.75, 4])
    }

    func testResizedBilinear_ShrinksByAveragingNeighbours() {
        let map = FloatMap(width: 4, height: 1, values: [0, 10, 20, 30]).resizedBilinear(width: 2, height: 1)
        XCTAssertEqual(map.values, [5, 25])
    }

    func testRange_TreatsNonFiniteAsZero() {
        let r = FloatMap(width: 3, height: 2, values: [2, -1, .nan, 5, .infinity, 0]).range
        XCTAssertEqual(r.min, -1)
        XCTAssertEqual(r.max, 5)
        XCTAssertEqual(r.mean, 1, accuracy: 1e-6)
    }

    func testCheckingInit_RejectsWrongValueCount() {
        XCTAssertThrowsError(try FloatMap(checkingWidth: 3, height: 3, values: [0])) {
            XCTAssertEqual($0 as? RasterError, .valueCountMismatch(expected: 9, got: 1))
            XCTAssertTrue("\($0)".contains("9"))
        }
    }
}
