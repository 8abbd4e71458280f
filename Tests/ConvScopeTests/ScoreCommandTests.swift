import Foundation
import XCTest

/// `convscope score` as a user runs it: every method ranked on one photo by how the network's probability moves as
/// the map's pixels are removed and put back.
final class ScoreCommandTests: XCTestCase {
    static let model = Fixtures.repo.appendingPathComponent("Tests/Models/vgg16_finetuned/model.keras").path
    static let photo = Fixtures.repo.appendingPathComponent("Tests/PlatformTests/Fixtures/camera.png").path

    func testScore_JSONCurvesStartAndEndOnTheImagesProbabilityAndAreasAreTheirTrapezoids() throws {
        let r = try runConvscope([
            "score", Self.photo, "--weights", Self.model, "--methods", "gradcam,saliency,eigencam",
            "--steps", "10", "--json", "--road",
        ])
        XCTAssertEqual(r.status, 0, r.stderr)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let methods = try XCTUnwrap(json["methods"] as? [[String: Any]])
        XCTAssertEqual(Set(methods.compactMap { $0["method"] as? String }), ["gradcam", "saliency", "eigencam"])
        var previous = Double.infinity
        for m in methods {
            let deletion = try XCTUnwrap(m["deletion_curve"] as? [Double])
            let insertion = try XCTUnwrap(m["insertion_curve"] as? [Double])
            let p = try XCTUnwrap(m["probability"] as? Double)
            XCTAssertEqual(deletion.count, 11)
            XCTAssertEqual(insertion.count, 11)
            // Insertion ends on the untouched photo, where deletion starts.
            XCTAssertEqual(insertion[10], deletion[0], accuracy: 1e-5)
            XCTAssertEqual(insertion[10], p, accuracy: 1e-5)
            for (curve, key) in [(deletion, "deletion"), (insertion, "insertion")] {
                let trapezoid = (curve.reduce(0, +) - (curve[0] + curve[10]) / 2) / 10
                XCTAssertEqual(try XCTUnwrap(m[key] as? Double), trapezoid, accuracy: 1e-5, key)
            }
            let masked = try XCTUnwrap(m["masked_probability"] as? Double)
            XCTAssertEqual(
                try XCTUnwrap(m["average_drop_percent"] as? Double), max(0, p - masked) / p * 100, accuracy: 1e-3)
            let road = try XCTUnwrap(m["road"] as? [String: Any])
            let morf = try XCTUnwrap(road["most_relevant_first"] as? [Double])
            let lerf = try XCTUnwrap(road["least_relevant_first"] as? [Double])
            XCTAssertEqual(morf.count, 9)
            let lerfMean: Double = lerf.reduce(0, +) / 9, morfMean: Double = morf.reduce(0, +) / 9
            let combined = (lerfMean - morfMean) / 2
            XCTAssertEqual(try XCTUnwrap(road["combined"] as? Double), combined, accuracy: 1e-5)
            let low = -p - 1e-6, high = 1 - p + 1e-6
            XCTAssertTrue(morf.allSatisfy { (low...high).contains($0) }, "changes of a probability")
            let rank = try XCTUnwrap(m["insertion"] as? Double) - (try XCTUnwrap(m["deletion"] as? Double))
            XCTAssertLessThanOrEqual(rank, previous + 1e-6, "ranked by insertion − deletion, best first")
            previous = rank
        }
    }

    func testScore_JSONRecordsEachMethodsParameters() throws {
        let r = try runConvscope([
            "score", Self.photo, "--weights", Self.model, "--methods", "integrated_gradients,occlusion,scorecam",
            "--steps", "2", "--ig-steps", "3", "--ig-baseline", "blurred", "--occlusion-window", "56",
            "--occlusion-stride", "56", "--occlusion-fill", "1.5", "--score-cam-top", "4", "--json",
        ])
        XCTAssertEqual(r.status, 0, r.stderr)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let methods = try XCTUnwrap(json["methods"] as? [[String: Any]])
        func parameters(_ name: String) throws -> [String: Any] {
            let m = try XCTUnwrap(methods.first { $0["method"] as? String == name }, name)
            return try XCTUnwrap(m["parameters"] as? [String: Any], name)
        }
        let ig = try parameters("integrated_gradients")
        XCTAssertEqual(ig["steps"] as? Int, 3)
        XCTAssertEqual(ig["baseline"] as? String, "blurred")
        XCTAssertEqual(ig["precision"] as? String, "single")
        let occlusion = try parameters("occlusion")
        XCTAssertEqual(occlusion["window"] as? Int, 56)
        XCTAssertEqual(occlusion["stride"] as? Int, 56)
        XCTAssertEqual(occlusion["fill"] as? Double, 1.5)
        XCTAssertEqual(try parameters("scorecam")["top_channels"] as? Int, 4)
    }

    func testScore_TableNamesTheClassAndRanksEveryMethod() throws {
        let r = try runConvscope(["score", Self.photo, "--weights", Self.model])
        XCTAssertEqual(r.status, 0, r.stderr)
        let rows = r.stdout.split(separator: "\n").dropFirst(2)
        XCTAssertEqual(rows.count, 15, r.stdout)
        XCTAssertEqual(rows.map { Int($0.split(separator: " ")[0]) }, Array(1...15).map { Optional($0) })
        XCTAssertTrue(r.stdout.contains("class "), r.stdout)
        XCTAssertFalse(r.stderr.contains("\r"), "no progress line when stderr is not a terminal")
    }

    /// The `.keras` file is unpacked by its reader process into a private folder under TMPDIR; nothing stays behind.
    func testScore_LeavesNothingInTheTemporaryFolder() throws {
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("score-tmp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: tmp) }
        let r = try runConvscope(["score", Self.photo, "--weights", Self.model, "--methods", "gradcam"],
                                 env: ["TMPDIR": tmp.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: tmp.path), [])
    }

    func testScore_BackboneIsRefusedWithTheReason() throws {
        let hed = Fixtures.repo.appendingPathComponent("Weights/hed_bsds500.weights.h5").path
        let r = try runConvscope(["score", Self.photo, "--weights", hed])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("has no classifier"), r.stderr)
    }
}
