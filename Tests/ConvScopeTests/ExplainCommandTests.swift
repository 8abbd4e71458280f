import Foundation
import XCTest

/// `convscope explain` as a user runs it: a folder of photos, every method, PNG overlays plus .npy maps with JSON
/// sidecars; nothing existing is replaced; a backbone explains with Eigen-CAM and says what the others need.
final class ExplainCommandTests: XCTestCase {
    static let model = Fixtures.repo.appendingPathComponent("Tests/Models/vgg16_finetuned/model.keras").path
    var tmp: URL!

    override func setUpWithError() throws {
        tmp = FileManager.default.temporaryDirectory.appendingPathComponent("convscope-explain-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            at: tmp.appendingPathComponent("photos"), withIntermediateDirectories: true)
        for name in ["camera.png", "pattern.jpg"] {
            try FileManager.default.copyItem(
                at: Fixtures.repo.appendingPathComponent("Tests/PlatformTests/Fixtures/\(name)"),
                to: tmp.appendingPathComponent("photos/\(name)"))
        }
        try Data("not an image".utf8).write(to: tmp.appendingPathComponent("photos/notes.txt"))
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: tmp) }

    func testExplain_FolderWithEveryMethodWritesMapsAndSidecars() throws {
        let out = tmp.appendingPathComponent("maps")
        let r = try runConvscope([
            "explain", tmp.appendingPathComponent("photos").path, "--weights", Self.model,
            "--method", "all", "--out", out.path, "--npy",
        ])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("[1/2] camera.png") && r.stdout.contains("[2/2] pattern.jpg"), r.stdout)
        let files = try FileManager.default.contentsOfDirectory(atPath: out.path)
        XCTAssertEqual(files.filter { $0.hasSuffix(".png") }.count, 30, "15 methods × 2 photos: \(files.sorted())")
        XCTAssertEqual(files.filter { $0.hasSuffix(".npy") }.count, 30)
        let sidecar = out.appendingPathComponent("camera_gradcam++_block5_conv3_class1.json")
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: sidecar)) as? [String: Any])
        XCTAssertEqual(json["method"] as? String, "gradcam++")
        XCTAssertEqual(json["layer"] as? String, "block5_conv3")
        XCTAssertEqual(json["class_name"] as? String, "dandelion")
        XCTAssertEqual((json["model_sha256"] as? String)?.count, 64)
        XCTAssertEqual(json["preprocessing"] as? String, "caffe")
        let npy = try Data(contentsOf: out.appendingPathComponent("camera_gradcam++_block5_conv3_class1.npy"))
        let shape = try XCTUnwrap(json["shape"] as? [Int])
        let values = npy.suffix(shape[0] * shape[1] * 4).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        XCTAssertEqual(values.max() ?? 0, 1, accuracy: 1e-5, "a normalised map")
        XCTAssertGreaterThanOrEqual(values.min() ?? -1, 0)
        XCTAssertTrue(files.contains("pattern_eigencam_block5_conv3.png"), "Eigen-CAM has no class in its name")
        // An input attribution: the whole input's values (H × W × C), the layer-free name, its parameters.
        let ig = try XCTUnwrap(
            JSONSerialization.jsonObject(
                with: Data(
                    contentsOf:
                        out.appendingPathComponent("camera_integrated_gradients_class1.json"))) as? [String: Any])
        XCTAssertEqual(ig["shape"] as? [Int], [128, 160, 3])
        XCTAssertEqual((ig["parameters"] as? [String: Any])?["steps"] as? Int, 50)
        let igValues = try Data(contentsOf: out.appendingPathComponent("camera_integrated_gradients_class1.npy"))
        XCTAssertEqual(igValues.count - (Int(igValues[8]) | Int(igValues[9]) << 8) - 10, 128 * 160 * 3 * 4)
    }

    func testExplain_NeverReplacesAnExistingMap() throws {
        let out = tmp.appendingPathComponent("maps")
        let args = [
            "explain", tmp.appendingPathComponent("photos/camera.png").path, "--weights", Self.model,
            "--method", "gradcam", "--out", out.path,
        ]
        XCTAssertEqual(try runConvscope(args).status, 0)
        let png = out.appendingPathComponent("camera_gradcam_block5_conv3_class1.png")
        let before = try Data(contentsOf: png)
        let again = try runConvscope(args + ["--opacity", "0.9"])
        XCTAssertEqual(again.status, 1)
        XCTAssertEqual(again.stderr, "convscope: \(png.path): already exists; not overwritten\n")
        XCTAssertEqual(try Data(contentsOf: png), before)
    }

    func testExplain_BackboneRunsEigenCAMAndRefusesGradientMethods() throws {
        let photo = tmp.appendingPathComponent("photos/camera.png").path
        let out = tmp.appendingPathComponent("b").path
        let eigen = try runConvscope([
            "explain", photo, "--weights", Fixtures.hedWeights.path, "--method", "eigencam",
            "--out", out,
        ])
        XCTAssertEqual(eigen.status, 0, eigen.stderr)
        let grad = try runConvscope([
            "explain", photo, "--weights", Fixtures.hedWeights.path, "--method", "gradcam,eigencam",
            "--out", out + "2",
        ])
        XCTAssertEqual(grad.status, 1)
        XCTAssertTrue(grad.stderr.contains("has no classifier"), grad.stderr)
    }

    func testExplain_UnknownMethodNamesTheKnownOnes() throws {
        let r = try runConvscope([
            "explain", tmp.path, "--weights", Self.model, "--method", "gradcam,magic", "--out", tmp.path,
        ])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("unknown method magic") && r.stderr.contains("gradcam++"), r.stderr)
    }
}
