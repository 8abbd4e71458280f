import Foundation
import XCTest

/// `convscope filters`: the two methods, the objectives, DeepDream, the disk cache and the method comparison, run as
/// a user runs them, on the small test VGG16 (seeded weights) so each run takes a second or two.
final class FiltersCommandTests: XCTestCase {
    private var tmp: URL!
    private var model: String!
    private var cache: String { tmp.appendingPathComponent("cache").path }

    override func setUpWithError() throws {
        tmp = FileManager.default.temporaryDirectory.appendingPathComponent("convscope-filters-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        model = tmp.appendingPathComponent("model.h5").path
        try FileManager.default.copyItem(
            atPath: Fixtures.repo.appendingPathComponent("Tests/Models/vgg16_finetuned/model.h5").path,
            toPath: model)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: tmp) }

    private func filters(_ args: [String], model: String? = nil) throws -> CLIResult {
        try runConvscope(["filters", "--weights", model ?? self.model] + args, env: ["XDG_CACHE_HOME": cache])
    }

    private func file(_ name: String) -> String { tmp.appendingPathComponent(name).path }

    private var cacheFiles: [String] {
        ((FileManager.default.enumerator(atPath: cache)?.allObjects as? [String]) ?? []).filter { $0.hasSuffix(".bin") }
            .sorted()
    }

    /// The first run fills the cache (one file an image, under $XDG_CACHE_HOME/convscope/filters); the second reads
    /// it and writes the same grid and raw images; a damaged, truncated or misplaced file is not trusted: that image
    /// is made again and its file replaced. Other settings, another method or another model are other keys; the same
    /// model file elsewhere is the same key (it is keyed by SHA-256, not path).
    func testFiltersCache_SecondRunReadsIt_BadFilesAreMadeAgain() throws {
        let args = ["--layer", "block2_conv1", "--count", "4", "--size", "32", "--steps", "3", "--cache", "--npy"]
        let first = try filters(args + ["--out", file("a.png")])
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertFalse(first.stdout.contains("from the cache"), first.stdout)
        let files = cacheFiles
        XCTAssertEqual(files.count, 4, "\(files)")
        XCTAssertTrue(files.allSatisfy { $0.hasPrefix("convscope/filters/") }, "\(files)")
        XCTAssertEqual(Set(files.map { ($0 as NSString).lastPathComponent }), ["0.bin", "1.bin", "2.bin", "3.bin"])

        let second = try filters(args + ["--out", file("b.png")])
        XCTAssertTrue(second.stdout.contains("; 4 from the cache"), second.stdout)
        XCTAssertEqual(
            FileManager.default.contents(atPath: file("a.png")), FileManager.default.contents(atPath: file("b.png")))
        XCTAssertEqual(
            FileManager.default.contents(atPath: file("a.npy")), FileManager.default.contents(atPath: file("b.npy")))

        let folder = cache + "/" + (files[0] as NSString).deletingLastPathComponent
        func damage(_ name: String, _ change: (inout Data) -> Void) throws {
            var d = try XCTUnwrap(FileManager.default.contents(atPath: folder + "/" + name))
            change(&d)
            try d.write(to: URL(fileURLWithPath: folder + "/" + name))
        }
        let damages: [(String, () throws -> Void)] = [
            ("flipped byte", { try damage("1.bin") { $0[$0.count / 2] ^= 0x40 } }),
            ("truncated", { try damage("2.bin") { $0 = $0.prefix(100) } }),
            (
                "another filter's file",
                {
                    try FileManager.default.removeItem(atPath: folder + "/3.bin")
                    try FileManager.default.copyItem(atPath: folder + "/0.bin", toPath: folder + "/3.bin")
                }
            ),
            ("empty", { try Data().write(to: URL(fileURLWithPath: folder + "/0.bin")) }),
        ]
        for (what, change) in damages {
            try change()
            let r = try filters(args + ["--out", file("c.png")])
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertTrue(r.stdout.contains("; 3 from the cache"), "\(what): \(r.stdout)")
            XCTAssertEqual(
                FileManager.default.contents(atPath: file("a.png")),
                FileManager.default.contents(atPath: file("c.png")),
                "\(what): the image made again is the same")
            XCTAssertTrue(
                try filters(args + ["--out", file("d.png")]).stdout.contains("; 4 from the cache"), "\(what): replaced")
        }

        XCTAssertFalse(
            try filters(args.map { $0 == "3" ? "4" : $0 } + ["--out", file("e.png")]).stdout.contains("from the cache"),
            "other steps, another key")
        XCTAssertFalse(
            try filters(args + ["--method", "plain", "--out", file("e.png")]).stdout.contains("from the cache"),
            "another method, another key")
        let moved = file("moved.h5")
        try FileManager.default.copyItem(atPath: model, toPath: moved)
        XCTAssertTrue(
            try filters(args + ["--out", file("f.png")], model: moved).stdout.contains("; 4 from the cache"),
            "the same file elsewhere: the same SHA-256")
        let keras = Fixtures.repo.appendingPathComponent("Tests/Models/vgg16_finetuned/model.keras").path
        XCTAssertFalse(
            try filters(args + ["--out", file("g.png")], model: keras).stdout.contains("from the cache"),
            "another file, another key")
        let before = cacheFiles.count
        _ = try filters([
            "--layer", "block2_conv1", "--count", "2", "--size", "32", "--steps", "2", "--out", file("h.png"),
        ])
        XCTAssertEqual(cacheFiles.count, before, "without --cache nothing is written")
    }

    func testFilters_MethodsAndObjectives_WriteTheirImages() throws {
        for extra in [["--method", "plain"], ["--method", "lucid"], ["--objective", "neuron"]] {
            let r = try filters(
                ["--layer", "block3_conv1", "--count", "3", "--size", "32", "--steps", "4", "--out", file("x.png")]
                    + extra)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertTrue(
                r.stdout.contains(
                    "filters 0–2 of block3_conv1 (\(extra[0] == "--method" ? extra[1] : "lucid"), 32×32, 4 steps)"),
                r.stdout)
            XCTAssertTrue(FileManager.default.fileExists(atPath: file("x.png")))
        }
        let whole = try filters([
            "--layer", "block3_conv1", "--objective", "layer", "--size", "32", "--steps", "4", "--out", file("y.png"),
        ])
        XCTAssertEqual(whole.status, 0, whole.stderr)
        XCTAssertTrue(whole.stdout.contains("block3_conv1, whole layer (lucid, 32×32, 4 steps)"), whole.stdout)
    }

    /// DeepDream: the photo, resized to --size, dreamed at a layer and written whole at that size.
    func testFilters_DeepDream_WritesTheDreamedPhoto() throws {
        let photo = Fixtures.repo.appendingPathComponent("Assets/chelsea.png").path
        let r = try filters([
            "--layer", "block3_conv1", "--objective", "layer", "--image", photo, "--size", "64", "--steps", "5",
            "--out", file("dream.png"), "--npy",
        ])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("DeepDream of block3_conv1 (lucid, 64×64, 5 steps)"), r.stdout)
        XCTAssertTrue(r.stdout.contains("mean square ×"), r.stdout)
        let png = try XCTUnwrap(FileManager.default.contents(atPath: file("dream.png")))
        // PNG header: width and height at bytes 16–23.
        XCTAssertEqual(png[16..<24].map { $0 }, [0, 0, 0, 64, 0, 0, 0, 64])
    }

    func testFilters_BadRequests_SayWhatToDo() throws {
        func error(_ args: [String]) throws -> String {
            let r = try filters(args)
            XCTAssertNotEqual(r.status, 0, "\(args)")
            return r.stderr
        }
        let out = ["--out", file("z.png")]
        XCTAssertTrue(
            try error(["--layer", "block1_conv1", "--method", "plain", "--objective", "neuron"] + out)
                .contains("--objective is for --method lucid"))
        XCTAssertTrue(
            try error(["--layer", "block1_conv1", "--image", "x.png"] + out).contains(
                "--image starts DeepDream, which needs --objective layer"))
        XCTAssertTrue(try error(["--layer", "block1_conv1", "--method", "deep"] + out).contains("lucid"))
        XCTAssertTrue(
            try error(["--layer", "block1_conv1", "--lr=-1"] + out).contains("learning rate -1.0 is not allowed"))
        XCTAssertTrue(try error(["--layer", "block1_conv1", "--size", "100"] + out).contains("(default 96)"))
        XCTAssertTrue(
            try error(["--layer", "block1_conv1", "--objective", "layer", "--image", file("missing.png")] + out)
                .contains("missing.png"))
        XCTAssertTrue(try error(out).contains("give --layer"))
    }

    /// --compare-methods prints one row per layer, both methods at the same size and steps.
    func testFilters_CompareMethods_PrintsARowPerLayer() throws {
        let r = try filters([
            "--compare-methods", "--layer", "block1_conv1,block3_conv1", "--count", "2", "--size", "32", "--steps", "3",
        ])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.hasPrefix("32×32, 3 steps, filters 0–1"), r.stdout)
        let rows = r.stdout.split(separator: "\n").filter { $0.hasPrefix("block") }
        XCTAssertEqual(rows.map { String($0.prefix(12)) }, ["block1_conv1", "block3_conv1"], r.stdout)
        XCTAssertTrue(r.stdout.contains("of 2 layers meet both"), r.stdout)
    }
}
