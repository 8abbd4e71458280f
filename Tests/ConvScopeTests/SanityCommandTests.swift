import Foundation
import XCTest

/// `convscope sanity` as a user runs it: Adebayo et al.'s cascading randomisation. On the fine-tuned test model it
/// shows the paper's finding: guided backprop's map survives randomising the whole head, Grad-CAM's does not.
final class SanityCommandTests: XCTestCase {
    static let model = Fixtures.repo.appendingPathComponent("Tests/Models/vgg16_finetuned/model.keras").path
    static let photo = Fixtures.repo.appendingPathComponent("Tests/PlatformTests/Fixtures/camera.png").path

    private func steps(_ method: String) throws -> [[String: Any]] {
        let r = try runConvscope(["sanity", Self.photo, "--weights", Self.model, "--method", method, "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        return try XCTUnwrap(json["steps"] as? [[String: Any]])
    }

    func testSanity_GuidedBackpropSurvivesARandomHead_GradCAMDoesNot() throws {
        let guided = try steps("guided_backprop")
        let gradcam = try steps("gradcam")
        XCTAssertEqual(guided.count, 15, "13 convolutions and 2 dense layers, from the output down")
        XCTAssertEqual(guided.first?["randomised_through"] as? String, "predictions")
        XCTAssertEqual(guided.last?["randomised_through"] as? String, "block1_conv1")
        func spearman(_ s: [[String: Any]], _ i: Int) -> Double { (s[i]["spearman"] as? Double) ?? .nan }
        for i in 0..<3 {
            XCTAssertGreaterThan(spearman(guided, i), 0.95, "guided backprop barely changes with a random head")
        }
        let gradcamMean = (0..<3).map { spearman(gradcam, $0) }.reduce(0, +) / 3
        XCTAssertLessThan(gradcamMean, 0.5, "Grad-CAM follows the head: \(gradcam.prefix(3))")
        XCTAssertLessThan(spearman(guided, 14), 0.5, "with every layer random, guided backprop's map is gone too")
        for s in guided + gradcam {
            let ssim = try XCTUnwrap(s["ssim"] as? Double)
            XCTAssertTrue((-1...1).contains(ssim), "\(s)")
        }
    }

    func testSanity_SeveralMethodsAtOnce_EachWithItsCurve() throws {
        let r = try runConvscope([
            "sanity", Self.photo, "--weights", Self.model, "--methods", "gradcam,eigencam,guided_backprop", "--json",
        ])
        XCTAssertEqual(r.status, 0, r.stderr)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let methods = try XCTUnwrap(json["methods"] as? [[String: Any]])
        XCTAssertEqual(methods.map { $0["method"] as? String }, ["gradcam", "eigencam", "guided_backprop"])
        let curves = try methods.map { try XCTUnwrap($0["steps"] as? [[String: Any]]) }
        XCTAssertEqual(curves.map(\.count), [15, 15, 15])
        func spearman(_ m: Int, _ i: Int) -> Double { (curves[m][i]["spearman"] as? Double) ?? .nan }
        // The same numbers as one method alone: each method's curve does not depend on the others run beside it.
        let alone = try steps("gradcam")
        for i in 0..<15 { XCTAssertEqual(spearman(0, i), (alone[i]["spearman"] as? Double) ?? .nan, accuracy: 1e-6) }
        // Eigen-CAM ignores the class: randomising the dense head cannot move its map; the convolutions do.
        XCTAssertEqual(spearman(1, 0), 1, accuracy: 1e-6)
        XCTAssertLessThan(spearman(1, 14), 0.5)
        XCTAssertGreaterThan(spearman(2, 0), 0.95)
    }

    func testSanity_JSONRecordsTheMethodsParameters() throws {
        let r = try runConvscope([
            "sanity", Self.photo, "--weights", Self.model, "--method", "smoothgrad", "--smoothgrad-samples", "2",
            "--smoothgrad-sigma", "0.25", "--json",
        ])
        XCTAssertEqual(r.status, 0, r.stderr)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let parameters = try XCTUnwrap(json["parameters"] as? [String: Any])
        XCTAssertEqual(parameters["samples"] as? Int, 2)
        XCTAssertEqual(parameters["sigma"] as? Double, 0.25)
        XCTAssertEqual(parameters["precision"] as? String, "single")
    }

    func testSanity_UnknownMethodIsRefusedWithTheList() throws {
        let r = try runConvscope(["sanity", Self.photo, "--weights", Self.model, "--method", "magic"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("unknown method magic") && r.stderr.contains("gradcam"), r.stderr)
    }
}
