import XCTest
@testable import ConvEngine

final class FeatureMapStatisticsTests: XCTestCase {
    func testChannelStatistics_PerChannelMeanMinMax() {
        // 2×1 map, 3 channels: pixel 0 = (1, -2, 0), pixel 1 = (3, 4, 0).
        let map = FeatureMap(height: 1, width: 2, channels: 3, data: [1, -2, 0, 3, 4, 0])
        let s = map.channelStatistics()
        XCTAssertEqual(s.mean, [2, 1, 0]); XCTAssertEqual(s.min, [1, -2, 0]); XCTAssertEqual(s.max, [3, 4, 0])
        XCTAssertEqual(map.valueRange.min, -2); XCTAssertEqual(map.valueRange.max, 4)
        XCTAssertEqual(FeatureMap(height: 0, width: 0, channels: 1).valueRange.max, 0)
    }
}
