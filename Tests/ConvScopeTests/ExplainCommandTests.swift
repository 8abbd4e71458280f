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

    /// Integrated Gradients' steps and baseline, SmoothGrad's samples and σ, occlusion's window, stride and fill,
    /// guided Grad-CAM's layer and the float64 path reach the methods (the maps change) and their sidecars.
    func testExplain_AttributionOptionsReachTheMethodsAndSidecars() throws {
        let photo = tmp.appendingPathComponent("photos/camera.png").path
        func explain(_ out: String, _ options: [String]) throws -> (URL, [String: [String: Any]]) {
            let dir = tmp.appendingPathComponent(out)
            let r = try runConvscope(
                [
                    "explain", photo, "--weights", Self.model, "--out", dir.path, "--npy", "--method",
                    "integrated_gradients,smoothgrad,occlusion,guided_gradcam",
                ] + options)
            XCTAssertEqual(r.status, 0, r.stderr)
            var parameters: [String: [String: Any]] = [:]
            for file in try FileManager.default.contentsOfDirectory(atPath: dir.path) where file.hasSuffix(".json") {
                let json = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent(file)))
                let method = try XCTUnwrap((json as? [String: Any])?["method"] as? String)
                parameters[method] = try XCTUnwrap((json as? [String: Any])?["parameters"] as? [String: Any])
            }
            return (dir, parameters)
        }
        func values(_ dir: URL, _ method: String) throws -> [Float] {
            let data = try Data(contentsOf: dir.appendingPathComponent("camera_\(method)_class1.npy"))
            return data.suffix(128 * 160 * 3 * 4).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        }
        let (plainDir, plain) = try explain("plain", ["--ig-steps", "4"])
        XCTAssertEqual(plain["integrated_gradients"]?["baseline"] as? String, "black")
        XCTAssertEqual(plain["integrated_gradients"]?["precision"] as? String, "single")
        XCTAssertEqual(plain["guided_gradcam"]?["layer"] as? String, "block5_conv3")
        let (setDir, set) = try explain(
            "set",
            [
                "--ig-steps", "4", "--ig-baseline", "blurred", "--smoothgrad-samples", "2", "--smoothgrad-sigma",
                "0.3", "--occlusion-window", "32", "--occlusion-stride", "16", "--occlusion-fill", "1.5",
                "--layer", "block4_conv3",
            ])
        XCTAssertEqual(set["integrated_gradients"]?["steps"] as? Int, 4)
        XCTAssertEqual(set["integrated_gradients"]?["baseline"] as? String, "blurred")
        XCTAssertEqual(set["smoothgrad"]?["samples"] as? Int, 2)
        XCTAssertEqual(set["smoothgrad"]?["sigma"] as? Double ?? 0, 0.3, accuracy: 1e-6)
        XCTAssertEqual(set["occlusion"]?["window"] as? Int, 32)
        XCTAssertEqual(set["occlusion"]?["stride"] as? Int, 16)
        XCTAssertEqual(set["occlusion"]?["fill"] as? Double, 1.5)
        XCTAssertEqual(set["guided_gradcam"]?["layer"] as? String, "block4_conv3")
        for method in ["integrated_gradients", "smoothgrad", "occlusion", "guided_gradcam"] {
            XCTAssertNotEqual(try values(plainDir, method), try values(setDir, method), "\(method): options ignored")
        }
        // float64 on a photo (on camera.png's flat areas max-pool ties fall by rounding): saliency is the float32
        // map to float32's precision, not the same bits; Integrated Gradients close (its path starts at a flat
        // black image, where ties are everywhere); the sidecar says which.
        let cat = Fixtures.golden.appendingPathComponent("chelsea224.png").path
        var maps: [String: [Float]] = [:]
        for precision in ["single", "double"] {
            let dir = tmp.appendingPathComponent(precision)
            let r = try runConvscope([
                "explain", cat, "--weights", Self.model, "--out", dir.path, "--npy", "--method",
                "saliency,integrated_gradients", "--ig-steps", "4", "--precision", precision,
            ])
            XCTAssertEqual(r.status, 0, r.stderr)
            for method in ["saliency", "integrated_gradients"] {
                let stem = dir.appendingPathComponent("chelsea224_\(method)_class1").path
                let data = try Data(contentsOf: URL(fileURLWithPath: stem + ".npy"))
                maps[method + precision] = data.suffix(128 * 160 * 3 * 4).withUnsafeBytes {
                    Array($0.bindMemory(to: Float.self))
                }
                let json = try JSONSerialization.jsonObject(
                    with: Data(contentsOf: URL(fileURLWithPath: stem + ".json")))
                let parameters = (json as? [String: Any])?["parameters"] as? [String: Any]
                XCTAssertEqual(parameters?["precision"] as? String, precision)
            }
        }
        for (method, bound) in [("saliency", Float(1e-4)), ("integrated_gradients", 0.1)] {
            let single = try XCTUnwrap(maps[method + "single"])
            let double = try XCTUnwrap(maps[method + "double"])
            let scale = single.map(abs).max() ?? 1
            let error = zip(single, double).map { abs($0 - $1) }.max() ?? 1
            XCTAssertLessThan(error, bound * scale, method)
            XCTAssertNotEqual(single, double, "\(method): the float64 path ran")
        }
    }

    /// Float64 for a method that has no float64 path, and an occlusion window larger than the input, are refused
    /// before any work, saying what to do.
    func testExplain_RefusesOptionsAMethodCannotRun() throws {
        let photo = tmp.appendingPathComponent("photos/camera.png").path
        let cases: [([String], String)] = [
            (["--method", "occlusion", "--precision", "double"], "--precision single"),
            (["--method", "gradcam", "--precision", "double"], "class activation maps run in float32"),
            (["--method", "occlusion", "--occlusion-window", "999"], "larger than the network's input (160×128)"),
            (["--method", "integrated_gradients", "--ig-steps", "0"], "--ig-steps must be 1…10000"),
            (["--method", "integrated_gradients", "--ig-baseline", "grey"], "grey"),
        ]
        for (options, message) in cases {
            let out = tmp.appendingPathComponent("refused").path
            let r = try runConvscope(["explain", photo, "--weights", Self.model, "--out", out] + options)
            XCTAssertNotEqual(r.status, 0, options.joined(separator: " "))
            XCTAssertTrue(r.stderr.contains(message), "\(options): \(r.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/camera_occlusion_class1.png"))
        }
    }

    func testExplain_UnknownMethodNamesTheKnownOnes() throws {
        let r = try runConvscope([
            "explain", tmp.path, "--weights", Self.model, "--method", "gradcam,magic", "--out", tmp.path,
        ])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("unknown method magic") && r.stderr.contains("gradcam++"), r.stderr)
    }
}
