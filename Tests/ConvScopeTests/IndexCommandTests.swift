import ConvEngine
import Foundation
import Platform
import Raster
import XCTest

/// `convscope index` end to end on a small test model: the numbers against a forward pass of our own, resuming,
/// Ctrl+C, changed files, hostile folders, a damaged index.
final class IndexCommandTests: XCTestCase {
    var tmp: URL!
    var cache: String { tmp.appendingPathComponent("cache").path }
    let modelPath = Fixtures.repo.appendingPathComponent("Tests/Models/vgg16_finetuned/model.h5").path

    override func setUpWithError() throws {
        tmp = FileManager.default.temporaryDirectory.appendingPathComponent("convscope-index-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: tmp) }

    func index(_ folder: String, _ args: [String], cache: String? = nil) throws -> CLIResult {
        try runConvscope(["index", folder, "--weights", modelPath] + args, env: ["XDG_CACHE_HOME": cache ?? self.cache])
    }

    func json(_ r: CLIResult, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        guard let o = try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any] else {
            XCTFail("no JSON: \(r.stdout)\n\(r.stderr)", file: file, line: line)
            throw XCTSkip()
        }
        return o
    }

    /// `count` seeded photos of various sizes (some in a subfolder), as PNGs.
    func photos(_ count: Int, in name: String = "photos", seed: UInt64 = 1) throws -> String {
        let folder = tmp.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("sub"),
                                                withIntermediateDirectories: true)
        for i in 0..<count {
            let path = folder.appendingPathComponent(i % 4 == 3 ? "sub/p\(i).png" : "p\(i).png").path
            let photo = Self.photo(seed: seed &+ UInt64(i) &* 7919, width: 40 + i * 7 % 90, height: 30 + i * 13 % 70)
            try PNGFile.write(photo, to: path)
        }
        return folder.path
    }

    /// Smooth colour blobs: images whose channels differ from one to the next.
    static func photo(seed: UInt64, width: Int, height: Int) -> RGBAImage {
        var s = seed | 1
        func next() -> Double {
            s = s &* 6364136223846793005 &+ 1442695040888963407
            return Double(s >> 11) / Double(1 << 53)
        }
        let blobs = (0..<4).map { _ in (next() * Double(width), next() * Double(height), 4 + next() * 20,
                                        [next(), next(), next()].map { $0 * 255 }) }
        var pixels = [UInt8](repeating: 255, count: width * height * 4)
        for y in 0..<height { for x in 0..<width {
            var c = [40.0, 40.0, 40.0]
            for b in blobs {
                let d = ((Double(x) - b.0) * (Double(x) - b.0) + (Double(y) - b.1) * (Double(y) - b.1)) / (b.2 * b.2)
                for k in 0..<3 { c[k] += b.3[k] * exp(-d) }
            }
            for k in 0..<3 { pixels[(y * width + x) * 4 + k] = UInt8(min(255, c[k])) }
        } }
        return RGBAImage(width: width, height: height, pixels: pixels)
    }

    /// Every image's maximum and first position in `channel` of `layer`, by a forward pass of our own (the image
    /// squashed to the input, as the window does).
    func reference(_ folder: String, layer: String, channel: Int, crop: Bool = false) throws
        -> [(path: String, value: Float, y: Int, x: Int, w: Int, h: Int)] {
        let model = try ModelLoader.load(path: modelPath)
        let runner = Runner(model: model)
        let files = FileManager.default.enumerator(atPath: folder)!.compactMap { $0 as? String }
            .filter { $0.hasSuffix(".png") }
        return try files.map { rel in
            let image = try ImageFile.load(path: folder + "/" + rel)
            var shown = image
            if crop {   // the largest centred rectangle of the input's aspect (160:128)
                let cw = min(image.width, image.height * 160 / 128), ch = min(image.height, image.width * 128 / 160)
                shown = image.cropped(x: (image.width - cw) / 2, y: (image.height - ch) / 2, width: cw, height: ch)
            }
            let input = shown.resized(width: model.input.width, height: model.input.height)
            let a = try runner.forward(runner.preprocess(rgb: input.rgbBytes))
            let map = try a.layer(named: layer)
            var best = -Float.infinity, at = 0
            for p in 0..<(map.height * map.width) where map.data[p * map.channels + channel] > best {
                best = map.data[p * map.channels + channel]
                at = p
            }
            return (rel, best, at / map.width, at % map.width, image.width, image.height)
        }.sorted { ($0.value, $1.path) > ($1.value, $0.path) }
    }

    func testIndex_TopImagesAreThoseOfADirectForwardPass() throws {
        let folder = try photos(10)
        let r = try index(folder, ["--top", "3", "--show", "block1_conv2:1", "--show", "block5_conv3:7", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let o = try json(r)
        XCTAssertEqual(o["indexed"] as? Int, 10)
        XCTAssertEqual((o["layers"] as? [String])?.count, 13)   // every convolution by default
        let shown = try XCTUnwrap(o["show"] as? [[String: Any]])
        for (k, (layer, channel)) in [("block1_conv2", 1), ("block5_conv3", 7)].enumerated() {
            XCTAssertEqual(shown[k]["layer"] as? String, layer)
            XCTAssertEqual(shown[k]["exact"] as? Bool, true)
            let entries = try XCTUnwrap(shown[k]["entries"] as? [[String: Any]])
            let ref = try reference(folder, layer: layer, channel: channel)
            XCTAssertEqual(entries.count, 3)
            for (e, want) in zip(entries, ref) {
                XCTAssertEqual(e["relativePath"] as? String, want.path, layer)
                XCTAssertEqual(e["value"] as! Double, Double(want.value),
                               accuracy: 1e-4 * max(1, Double(abs(want.value))))
                XCTAssertEqual([e["y"] as! Int, e["x"] as! Int], [want.y, want.x], layer)
                XCTAssertEqual([e["imageWidth"] as! Int, e["imageHeight"] as! Int], [want.w, want.h])
            }
        }
        // block1_conv2's field is 5×5 around the position (clipped), scaled to the photo (160×128 input).
        let e = (shown[0]["entries"] as! [[String: Any]])[0]
        let (y, x, w, h) = (e["y"] as! Int, e["x"] as! Int, e["imageWidth"] as! Int, e["imageHeight"] as! Int)
        let x0 = max(0, x - 2), x1 = min(159, x + 2), y0 = max(0, y - 2), y1 = min(127, y + 2)
        let box = [x0 * w / 160, y0 * h / 128, 0, 0]
        let expected = [box[0], box[1], ((x1 + 1) * w + 159) / 160 - box[0], ((y1 + 1) * h + 127) / 128 - box[1]]
        XCTAssertEqual(e["box"] as? [Int], expected)
        XCTAssertEqual(e["inputBox"] as? [Int], [x0, y0, x1 - x0 + 1, y1 - y0 + 1])

        // --crop: the centre of each photo, as the window's crop; its own index (the saved one is made again).
        let c = try json(try index(folder, ["--top", "3", "--crop", "--show", "block3_conv1:5", "--json"]))
        XCTAssertEqual(c["indexed"] as? Int, 10)
        let cropped = try XCTUnwrap(((c["show"] as? [[String: Any]])?.first?["entries"]) as? [[String: Any]])
        for (e, want) in zip(cropped, try reference(folder, layer: "block3_conv1", channel: 5, crop: true)) {
            XCTAssertEqual(e["relativePath"] as? String, want.path)
            XCTAssertEqual(e["value"] as! Double, Double(want.value), accuracy: 1e-4 * max(1, Double(abs(want.value))))
            XCTAssertEqual([e["y"] as! Int, e["x"] as! Int], [want.y, want.x])
        }
    }

    /// Index part, stop, run again: the same file as one run. A changed file is run again, the rest not. One image
    /// a batch, as the window's forward pass runs (a batch's float sums are ordered differently, ~1e-6 apart).
    func testIndex_ResumesAndRedoesOnlyChangedFiles() throws {
        let folder = try photos(12)
        let first = try index(folder, ["--stop-after", "4", "--batch", "1", "--json"])
        XCTAssertEqual(first.status, 130, first.stderr)
        XCTAssertTrue(first.stderr.contains("run the same command to go on"), first.stderr)
        let done = try XCTUnwrap(try json(first)["indexed"] as? Int)
        XCTAssertTrue((4..<12).contains(done), "\(done)")
        let second = try json(try index(folder, ["--batch", "1", "--json"]))
        XCTAssertEqual([second["reused"] as? Int, second["indexed"] as? Int], [done, 12 - done])
        let oneRunCache = tmp.appendingPathComponent("one").path
        let one = try json(try index(folder, ["--batch", "1", "--json"], cache: oneRunCache))
        XCTAssertEqual(one["indexed"] as? Int, 12)
        let resumedFile = try Data(contentsOf: URL(fileURLWithPath: second["index"] as! String))
        let oneFile = try Data(contentsOf: URL(fileURLWithPath: one["index"] as! String))
        XCTAssertEqual(resumedFile, oneFile)

        // p5 changes (new pixels, a later mtime): only it is run again; the lists equal a fresh index's.
        let p5 = folder + "/p5.png"
        try PNGFile.write(Self.photo(seed: 999, width: 77, height: 55), to: p5)
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(60)], ofItemAtPath: p5)
        let show = ["--show", "block1_conv1", "--show", "block3_conv3", "--show", "block5_conv3", "--batch", "1",
                    "--json"]
        let third = try json(try index(folder, show))
        XCTAssertEqual([third["reused"] as? Int, third["indexed"] as? Int], [11, 1])
        let fresh = try json(try index(folder, show, cache: tmp.appendingPathComponent("fresh").path))
        XCTAssertEqual(fresh["indexed"] as? Int, 12)
        let a = third["show"] as! [[String: Any]], b = fresh["show"] as! [[String: Any]]
        XCTAssertEqual(a.count, 8 + 32 + 32)   // the test model's channels
        XCTAssertTrue((a as NSArray).isEqual(to: b), "the resumed lists differ from a fresh index's")
        XCTAssertTrue(a.contains { channel in
            (channel["entries"] as! [[String: Any]]).contains { $0["relativePath"] as? String == "p5.png" }
        })
    }

    /// A broken PNG, text called .jpg, a FIFO, an empty file, a 100-megapixel PNG and a note: each named once, the
    /// run goes on, the photos are indexed, exit 0; the next run names them once again and runs nothing.
    func testIndex_HostileFolderSkipsEachBadFileOnce() throws {
        let folder = try photos(3, in: "hostile")
        let good = try Data(contentsOf: URL(fileURLWithPath: folder + "/p0.png"))
        try good.prefix(good.count / 2).write(to: URL(fileURLWithPath: folder + "/broken.png"))
        try Data("hello, I am not a JPEG".utf8).write(to: URL(fileURLWithPath: folder + "/fake.jpg"))
        try Data().write(to: URL(fileURLWithPath: folder + "/empty.png"))
        try Data("notes".utf8).write(to: URL(fileURLWithPath: folder + "/sub/notes.txt"))
        XCTAssertEqual(mkfifo(folder + "/pipe.png", 0o644), 0)
        try Data(BlackPNG.bytes(width: 10001, height: 10001)).write(to: URL(fileURLWithPath: folder + "/huge.png"))
        let bad = ["broken.png", "fake.jpg", "empty.png", "sub/notes.txt", "pipe.png", "huge.png"]
        // Hidden files and folders are left alone, not named.
        try Data("x".utf8).write(to: URL(fileURLWithPath: folder + "/.hidden.png"))
        try FileManager.default.createDirectory(atPath: folder + "/.thumbs", withIntermediateDirectories: true)
        try good.write(to: URL(fileURLWithPath: folder + "/.thumbs/p0.png"))
        for run in 0..<2 {
            let r = try index(folder, ["--json"])
            XCTAssertEqual(r.status, 0, r.stderr)
            let o = try json(r)
            XCTAssertEqual(o["images"] as? Int, 3)
            XCTAssertEqual(o["indexed"] as? Int, run == 0 ? 3 : 0)
            let skipped = (o["skipped"] as! [[String: String]]).map { $0["path"]! }
            XCTAssertEqual(Set(skipped), Set(bad))
            for name in bad {
                XCTAssertEqual(r.stderr.components(separatedBy: name).count - 1, 1, "\(name) in: \(r.stderr)")
            }
            XCTAssertTrue(r.stderr.contains("skipped huge.png: 10001×10001 is 100 megapixels, over the 100-megapixel "
                                            + "limit"), r.stderr)
            XCTAssertTrue(r.stderr.contains("skipped pipe.png: is a FIFO"), r.stderr)
            XCTAssertFalse(r.stderr.contains(".hidden") || r.stderr.contains(".thumbs"), r.stderr)
        }
    }

    /// The 100-megapixel test file is a real PNG: a small one made the same way decodes to black.
    func testBlackPNG_DecodesToBlack() throws {
        let path = tmp.appendingPathComponent("black.png").path
        try Data(BlackPNG.bytes(width: 300, height: 21)).write(to: URL(fileURLWithPath: path))
        let image = try ImageFile.load(path: path)
        XCTAssertEqual([image.width, image.height], [300, 21])
        XCTAssertEqual(Set(image.pixels), [0, 255])   // black, opaque
        XCTAssertEqual(image.pixels.count { $0 == 0 }, 300 * 21 * 3)
    }

    /// Ctrl+C saves what is done and exits 130; the next run finishes, with the same index as one run.
    func testIndex_CtrlCSavesAndTheNextRunFinishes() throws {
        let folder = try photos(400, in: "many")
        let p = Process()
        p.executableURL = Fixtures.convscope
        p.arguments = ["index", folder, "--weights", modelPath, "--json"]
        var environment = ProcessInfo.processInfo.environment
        environment["XDG_CACHE_HOME"] = cache
        p.environment = environment
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        var stderr = Data()
        while !String(decoding: stderr, as: UTF8.self).contains("indexing 400 files") {
            let chunk = err.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            stderr += chunk
        }
        usleep(300_000)   // a few batches in (400 images take about 2 s here)
        kill(p.processIdentifier, SIGINT)
        stderr += err.fileHandleForReading.readDataToEndOfFile()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let text = String(decoding: stderr, as: UTF8.self)
        XCTAssertEqual(p.terminationStatus, 130, text)
        XCTAssertTrue(text.contains("stopping after this batch"), text)
        let stopped = try JSONSerialization.jsonObject(with: stdout) as! [String: Any]
        XCTAssertEqual(stopped["stopped"] as? Bool, true)
        let done = stopped["indexed"] as! Int
        XCTAssertLessThan(done, 400)
        XCTAssertEqual((stopped["skipped"] as? [Any])?.count, 0)   // no file was blamed for the interruption
        let savedBytes = try Data(contentsOf: URL(fileURLWithPath: stopped["index"] as! String))
        let saved = try ChannelIndex(decoding: [UInt8](savedBytes), source: "saved")
        XCTAssertEqual(saved.indexedCount, done)
        let second = try json(try index(folder, ["--json"]))
        XCTAssertEqual([second["reused"] as? Int, second["indexed"] as? Int], [done, 400 - done])
        let one = try json(try index(folder, ["--json"], cache: tmp.appendingPathComponent("one").path))
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: second["index"] as! String)),
                       try Data(contentsOf: URL(fileURLWithPath: one["index"] as! String)))
    }

    /// A damaged index is refused with its reason and the folder indexed again; a wrong folder or layer is one line.
    func testIndex_DamagedIndexIsRebuiltAndBadRequestsAreSaid() throws {
        let folder = try photos(3)
        let first = try json(try index(folder, ["--json"]))
        let file = first["index"] as! String
        var bytes = try Data(contentsOf: URL(fileURLWithPath: file))
        bytes[bytes.count / 2] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: file))
        let r = try index(folder, ["--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("the saved index is not used: \(file): the index is damaged (its checksum"),
                      r.stderr)
        XCTAssertEqual(try json(r)["indexed"] as? Int, 3)

        let missing = try index(tmp.appendingPathComponent("nowhere").path, [])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.hasPrefix("convscope: ") && missing.stderr.contains("not a folder"),
                      missing.stderr)
        let layer = try index(folder, ["--layers", "block9_conv1"])
        XCTAssertEqual(layer.status, 1)
        XCTAssertTrue(layer.stderr.contains("no hidden layer named block9_conv1"), layer.stderr)
        // Asking for fewer layers than the saved index covers uses it as it is.
        let pools = try json(try index(folder, ["--layers", "block1_conv1,block5_conv3", "--json"]))
        XCTAssertEqual(pools["indexed"] as? Int, 0)
        XCTAssertEqual((pools["layers"] as? [String])?.count, 13)
    }
}
