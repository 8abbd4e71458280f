import ConvEngine
import Foundation
import XCTest

/// Deletion and insertion (RISE's causal metrics) against the numpy/torch reference of make_score_references.py:
/// same ranking (the reference's Grad-CAM map, nearest ×16), 20 steps; every point and both areas within 1e-3.
final class CausalCurveTests: XCTestCase {
    func testDeletionAndInsertion_MatchTheReference() throws {
        let folder = ModelReference.root.deletingLastPathComponent().appendingPathComponent("Explanations")
        let scores = try XCTUnwrap(
            JSONSerialization.jsonObject(
                with: Data(
                    contentsOf:
                        folder.appendingPathComponent("scores.json"))) as? [String: Any])
        let cams = try XCTUnwrap(
            JSONSerialization.jsonObject(
                with: Data(
                    contentsOf:
                        folder.appendingPathComponent("cams.json"))) as? [String: Any])
        let cases = try XCTUnwrap(cams["cases"] as? [[String: Any]])
        let gradcam = try XCTUnwrap(cases.first { ($0["hidden_index"] as? Int) == 11 && ($0["class"] as? Int) == 5 })
        let cam = try XCTUnwrap((gradcam["maps"] as? [String: [NSNumber]])?["gradcam"]).map(\.floatValue)
        var rank = [Float](repeating: 0, count: 224 * 224)
        for y in 0..<224 { for x in 0..<224 { rank[y * 224 + x] = cam[(y / 16) * 14 + x / 16] } }

        let ref = try ModelReference("vgg11_bn_torch")
        let runner = Runner(model: try ModelLoader.load(path: ref.path()))
        let input = runner.model.preprocessing.apply(rgb: ref.rgb, height: ref.height, width: ref.width)
        let curves = try XCTUnwrap(scores["curves"] as? [String: [String: Any]])
        for kind in [CausalCurve.Kind.deletion, .insertion] {
            let expected = try XCTUnwrap(curves[kind.rawValue])
            let probabilities = try XCTUnwrap(expected["probabilities"] as? [NSNumber]).map(\.floatValue)
            let ours = try runner.causalCurve(kind, input: input, map: rank, classIndex: 5, steps: 20)
            XCTAssertEqual(ours.probabilities.count, 21)
            let worst = zip(ours.probabilities, probabilities).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) }
            let area = try XCTUnwrap(expected["area"] as? NSNumber).floatValue
            print("\(kind.rawValue): area \(ours.area) (reference \(area)), worst point \(worst)")
            XCTAssertLessThanOrEqual(worst, 1e-3, kind.rawValue)
            XCTAssertEqual(ours.area, area, accuracy: 1e-3, kind.rawValue)
        }
    }

    /// A map that ranks the pixels the other way round deletes worse (a higher area): the metric reads the map.
    func testDeletion_ReversedMapScoresWorse() throws {
        let ref = try ModelReference("vgg11_bn_torch")
        let runner = Runner(model: try ModelLoader.load(path: ref.path()))
        let input = runner.model.preprocessing.apply(rgb: ref.rgb, height: ref.height, width: ref.width)
        let a = try runner.forward(input)
        let c = try runner.classify(a)
        let k = c.top(1)[0].index
        let saliency = AttributionMethods.displayMap(try runner.attribution(Saliency(), a, classIndex: k), channels: 3)
        let good = try runner.causalCurve(.deletion, input: input, map: saliency, classIndex: k, steps: 10)
        let bad = try runner.causalCurve(.deletion, input: input, map: saliency.map { -$0 }, classIndex: k, steps: 10)
        XCTAssertLessThan(good.area, bad.area)
        XCTAssertEqual(good.probabilities.first, bad.probabilities.first)
    }
}
