import ConvEngine
import Foundation
import XCTest

/// ROAD against pytorch-grad-cam 1.5.5's metrics/road.py (make_road_references.py, imputation noise 0): the same
/// map (the reference's Grad-CAM, nearest ×16), class and percentiles; every score within 1e-3.
final class ROADTests: XCTestCase {
    func testMostAndLeastRelevantFirst_MatchPytorchGradCam() throws {
        let folder = ModelReference.root.deletingLastPathComponent().appendingPathComponent("Explanations")
        func json(_ name: String) throws -> [String: Any] {
            try XCTUnwrap(
                JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent(name)))
                    as? [String: Any])
        }
        let reference = try json("road.json"), cams = try json("cams.json")
        let cases = try XCTUnwrap(cams["cases"] as? [[String: Any]])
        let gradcam = try XCTUnwrap(cases.first { ($0["hidden_index"] as? Int) == 11 && ($0["class"] as? Int) == 5 })
        let cam = try XCTUnwrap((gradcam["maps"] as? [String: [NSNumber]])?["gradcam"]).map(\.floatValue)
        var map = [Float](repeating: 0, count: 224 * 224)
        for y in 0..<224 { for x in 0..<224 { map[y * 224 + x] = cam[(y / 16) * 14 + x / 16] } }

        let ref = try ModelReference("vgg11_bn_torch")
        let runner = Runner(model: try ModelLoader.load(path: ref.path()))
        let input = runner.model.preprocessing.apply(rgb: ref.rgb, height: ref.height, width: ref.width)
        let ours = try runner.road(input: input, map: map, classIndex: 5, noise: 0)
        for (key, values) in [("most_relevant_first", ours.mostRelevantFirst),
                              ("least_relevant_first", ours.leastRelevantFirst)] {
            let expected = try XCTUnwrap(reference[key] as? [NSNumber]).map(\.floatValue)
            let worst = zip(values, expected).map { abs($0 - $1) }.max()!
            print("ROAD \(key): worst difference \(worst) over \(expected.count) percentiles")
            XCTAssertEqual(values.count, 9)
            XCTAssertLessThanOrEqual(worst, 1e-3, "\(key): \(values) vs \(expected)")
        }
        let combined = try XCTUnwrap(reference["combined"] as? NSNumber).floatValue
        XCTAssertEqual(ours.combined, combined, accuracy: 1e-3)

        // With pytorch-grad-cam's noise (seeded here) the scores move, but by far less than the map's own effect.
        let noisy = try runner.road(input: input, map: map, classIndex: 5)
        XCTAssertNotEqual(noisy.mostRelevantFirst, ours.mostRelevantFirst)
        XCTAssertEqual(noisy.combined, ours.combined, accuracy: 0.05)
    }

    func testImpute_FillsAHoleInALinearRampExactly() {
        // A plane is its own weighted neighbour mean, so removing a block of it and imputing gives it back.
        let h = 12, w = 10
        let data = (0..<(h * w)).map { Float(($0 / w) * 2 + ($0 % w)) / 10 }
        let x = FeatureMap(height: h, width: w, channels: 1, data: data)
        let keep = (0..<(h * w)).map { !((3..<8).contains($0 / w) && (2..<7).contains($0 % w)) }
        let filled = ROAD.impute(x, keep: keep)
        XCTAssertEqual(zip(filled, data).map { abs($0 - $1) }.max()!, 0, accuracy: 1e-5)
    }
}
