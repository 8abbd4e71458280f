@testable import ConvEngine
import XCTest

/// The top-N accumulator: one entry per image, strongest first, ties by path, any order of arrival, forgetting,
/// merging, and the reserve that keeps it exact.
final class ChannelIndexTests: XCTestCase {
    /// One 4×5 layer of `channels` channels, field = the position itself, on a 4×5 input.
    static func settings(top: Int, keep: Int? = nil, channels: Int = 3, folder: String = "/photos") -> IndexSettings {
        let field = ReceptiveField(vertical: .init(size: 1, jump: 1, offset: 0),
                                   horizontal: .init(size: 1, jump: 1, offset: 0), inputHeight: 4, inputWidth: 5)
        return IndexSettings(modelSHA256: String(repeating: "ab", count: 32), modelName: "test", folder: folder,
                             preprocessing: .none, crop: false, inputHeight: 4, inputWidth: 5, top: top, keep: keep,
                             layers: [IndexedLayer(name: "conv", height: 4, width: 5, channels: channels,
                                                   field: field)])
    }

    /// An image's maxima: channel c has value `values[c]` at position `c`.
    static func maxima(_ values: [Float]) -> ImageMaxima {
        ImageMaxima(values: values, positions: values.indices.map { Int32($0) })
    }

    static func add(_ index: inout ChannelIndex, _ path: String, _ values: [Float]) {
        index.add(path: path, size: 1, modified: 1, width: 5, height: 4, maxima: maxima(values))
    }

    /// (path, value) of a channel's top.
    static func top(_ index: ChannelIndex, _ channel: Int) -> [String] {
        (try? index.top(layer: "conv", channel: channel))?.map { "\($0.relativePath)=\($0.value)" } ?? ["error"]
    }

    func testTop_StrongestFirstOneEntryPerImage() throws {
        var index = ChannelIndex(settings: Self.settings(top: 2, channels: 1))
        Self.add(&index, "a.png", [1])
        Self.add(&index, "b.png", [5])
        Self.add(&index, "c.png", [3])
        XCTAssertEqual(Self.top(index, 0), ["b.png=5.0", "c.png=3.0"])
        // The same file again (changed): replaced, never listed twice.
        index.add(path: "b.png", size: 2, modified: 2, width: 5, height: 4, maxima: Self.maxima([0.5]))
        XCTAssertEqual(Self.top(index, 0), ["c.png=3.0", "a.png=1.0"])
        XCTAssertEqual(try index.top(layer: "conv", channel: 0, count: 10).count, 3)
        XCTAssertEqual(index.image("b.png")?.size, 2)
    }

    func testTop_TiesGoToTheEarlierPathWhateverTheOrder() {
        for order in [["c", "a", "b", "d"], ["d", "b", "a", "c"], ["a", "b", "c", "d"]] {
            var index = ChannelIndex(settings: Self.settings(top: 2, keep: 2, channels: 1))
            for name in order { Self.add(&index, name, [0]) }
            XCTAssertEqual(Self.top(index, 0), ["a=0.0", "b=0.0"], "order \(order)")
        }
    }

    func testTop_EntryCarriesPositionAndBoxes() throws {
        var index = ChannelIndex(settings: Self.settings(top: 1, channels: 1))
        index.add(path: "sub/p.png", size: 1, modified: 1, width: 50, height: 40,
                  maxima: ImageMaxima(values: [2], positions: [13]))
        let e = try XCTUnwrap(index.top(layer: "conv", channel: 0).first)
        XCTAssertEqual([e.y, e.x], [2, 3])
        XCTAssertEqual(e.inputBox, PixelBox(x: 3, y: 2, width: 1, height: 1))
        XCTAssertEqual(e.box, PixelBox(x: 30, y: 20, width: 10, height: 10))   // the photo is 10× the input
        XCTAssertEqual(e.path, "/photos/sub/p.png")
        XCTAssertThrowsError(try index.top(layer: "conv", channel: 1))
        XCTAssertThrowsError(try index.top(layer: "pool", channel: 0))
    }

    /// Random values with many ties (zeros, repeats), in several orders: every channel's top is the brute-force one.
    func testTop_AnyOrderGivesTheBruteForceTop() {
        var rng = SeededRandom(seed: 11)
        let names = (0..<40).map { String(format: "img%02d.png", $0) }
        let values = names.map { _ in (0..<3).map { _ in Float(Int.random(in: -2...6, using: &rng)) * 0.5 } }
        let expected = (0..<3).map { c in
            names.indices.sorted { (values[$0][c], names[$1]) > (values[$1][c], names[$0]) }.prefix(4)
                .map { "\(names[$0])=\(values[$0][c])" }
        }
        for seed in 0..<5 {
            var r = SeededRandom(seed: UInt64(seed))
            var index = ChannelIndex(settings: Self.settings(top: 4, keep: 6))
            for i in names.indices.shuffled(using: &r) { Self.add(&index, names[i], values[i]) }
            for c in 0..<3 { XCTAssertEqual(Self.top(index, c), Array(expected[c]), "channel \(c), order \(seed)") }
        }
    }

    /// Files that change or go leave the lists; within the reserve the top stays exact, beyond it the channel says so.
    func testForget_ExactWithinTheReserveAndSaysSoBeyond() {
        let names = (0..<20).map { String(format: "f%02d", $0) }
        var index = ChannelIndex(settings: Self.settings(top: 3, keep: 5, channels: 1))
        for (i, n) in names.enumerated() { Self.add(&index, n, [Float(i)]) }   // f19 strongest
        index.forget(["f19", "f17"])
        XCTAssertEqual(Self.top(index, 0), ["f18=18.0", "f16=16.0", "f15=15.0"])
        XCTAssertTrue(index.isExact(layer: 0, channel: 0))
        index.forget(["f18", "f15"])       // 1 left of the 5 kept, f14 and below were let go
        XCTAssertFalse(index.isExact(layer: 0, channel: 0))
        XCTAssertEqual(index.inexactChannels, 1)
        XCTAssertEqual(Self.top(index, 0), ["f16=16.0"])
        // A new image below the floor is not taken (an unlisted one may beat it); one above is.
        Self.add(&index, "g", [13.5])
        Self.add(&index, "h", [20])
        XCTAssertEqual(Self.top(index, 0), ["h=20.0", "f16=16.0"])
    }

    /// Two halves indexed apart and merged give what one index of all the images holds.
    func testMerge_EqualsOneIndexOfAllImages() throws {
        var rng = SeededRandom(seed: 5)
        let names = (0..<30).map { "p\($0)" }
        let values = names.map { _ in (0..<3).map { _ in Float(Int.random(in: 0...9, using: &rng)) } }
        var whole = ChannelIndex(settings: Self.settings(top: 3, keep: 4))
        var left = whole, right = whole
        for (i, n) in names.enumerated() {
            Self.add(&whole, n, values[i])
            if i % 3 == 0 { Self.add(&left, n, values[i]) } else { Self.add(&right, n, values[i]) }
        }
        try left.merge(right)
        for c in 0..<3 { XCTAssertEqual(Self.top(left, c), Self.top(whole, c)) }
        XCTAssertEqual(left.indexedCount, 30)
        XCTAssertThrowsError(try left.merge(ChannelIndex(settings: Self.settings(top: 2))))
    }

    /// Saved half-way and read back, then the rest added: the same file as one run (resuming a stopped run).
    func testFile_ResumeGivesTheSameIndexAsOneRun() throws {
        var rng = SeededRandom(seed: 9)
        let names = (0..<25).map { "q\($0)" }
        let values = names.map { _ in (0..<3).map { _ in rng.uniform(-1, 1) } }
        var one = ChannelIndex(settings: Self.settings(top: 3, keep: 4))
        var first = one
        for (i, n) in names.enumerated() {
            Self.add(&one, n, values[i])
            if i < 12 { Self.add(&first, n, values[i]) }
        }
        one.skip(path: "notes.txt", size: 3, modified: 4, reason: "not an image")
        var resumed = try ChannelIndex(decoding: first.encoded(), source: "half")
        for (i, n) in names.enumerated() where i >= 12 { Self.add(&resumed, n, values[i]) }
        resumed.skip(path: "notes.txt", size: 3, modified: 4, reason: "not an image")
        XCTAssertEqual(resumed.encoded(), one.encoded())
        let back = try ChannelIndex(decoding: one.encoded(), source: "one")
        XCTAssertEqual(back.encoded(), one.encoded())
        XCTAssertEqual(back.skipped.map(\.state), [.skipped("not an image")])
        for c in 0..<3 { XCTAssertEqual(Self.top(back, c), Self.top(one, c)) }
    }

    /// A floor naming a file that went keeps that file's row through a save; rows nothing names are dropped.
    func testFile_KeepsOnlyTheGoneRowsAFloorNames() throws {
        var index = ChannelIndex(settings: Self.settings(top: 1, keep: 1, channels: 1))
        Self.add(&index, "a", [3])
        Self.add(&index, "b", [1])     // let go: the floor
        Self.add(&index, "c", [2])     // let go: the floor
        index.forget(["c", "a"])
        let back = try ChannelIndex(decoding: index.encoded(), source: "t")
        XCTAssertEqual(back.images.map(\.path), ["b", "c"])
        XCTAssertEqual(back.images.map(\.state), [.indexed, .gone])
        XCTAssertFalse(back.isExact(layer: 0, channel: 0))
        XCTAssertEqual(back.encoded(), index.encoded())
    }

    func testFile_RefusesDamageWithAReason() throws {
        var index = ChannelIndex(settings: Self.settings(top: 2))
        Self.add(&index, "a", [1, 2, 3])
        Self.add(&index, "b", [3, 2, 1])
        let good = index.encoded()
        func refusal(_ bytes: [UInt8]) -> IndexError? {
            do { _ = try ChannelIndex(decoding: bytes, source: "f"); return nil } catch { return error as? IndexError }
        }
        XCTAssertNil(refusal(good))
        var flipped = good
        flipped[flipped.count - 3] ^= 0x40
        XCTAssertEqual(refusal(flipped), .damaged(file: "f", detail: "its checksum does not match its contents"))
        guard case .damaged(_, let cut) = refusal(Array(good.dropLast(5))) else { return XCTFail("cut short") }
        XCTAssertTrue(cut.contains("cut short"), cut)
        XCTAssertEqual(refusal(Array("hello, world, not an index at all".utf8)), .notAnIndex(file: "f"))
        var version = good
        version[8] = 9
        XCTAssertEqual(refusal(version), .otherVersion(file: "f", found: 9, expected: ChannelIndex.formatVersion))
        // Checksum right, contents wrong: a position off the 4×5 map (the last slot's position field).
        var offMap = good
        let slot = offMap.count - 12
        offMap.replaceSubrange(slot + 4..<slot + 8, with: [20, 0, 0, 0])
        let sum = FNV1a.hash(offMap[ChannelIndex.headerSize...])
        offMap.replaceSubrange(20..<28, with: withUnsafeBytes(of: sum.littleEndian) { Array($0) })
        XCTAssertEqual(refusal(offMap), .damaged(file: "f", detail: "conv channel 2: a position off the map"))
        // Two slots swapped: out of rank order.
        var swapped = good
        let a = swapped.count - 24
        let first = Array(swapped[a..<a + 12]), second = Array(swapped[a + 12..<a + 24])
        swapped.replaceSubrange(a..<a + 24, with: second + first)
        let sum2 = FNV1a.hash(swapped[ChannelIndex.headerSize...])
        swapped.replaceSubrange(20..<28, with: withUnsafeBytes(of: sum2.littleEndian) { Array($0) })
        XCTAssertEqual(refusal(swapped), .damaged(file: "f", detail: "conv channel 2 is out of order"))
    }

    func testLoad_FindsTheFolderAndRefusesAnotherModelsOrFoldersFile() throws {
        let root = try TemporaryFolder("index-root")
        let photos = try TemporaryFolder("photos")
        let folder = IndexLocation.canonicalFolder(photos.url.path)
        let sha = String(repeating: "ab", count: 32)
        XCTAssertNil(try ChannelIndex.load(for: sha, folder: folder, root: root.url.path))
        var index = ChannelIndex(settings: Self.settings(top: 1, folder: folder))
        Self.add(&index, "a", [1, 1, 1])
        let file = IndexLocation.file(modelSHA256: sha, folder: folder, root: root.url.path)
        XCTAssertTrue(file.hasPrefix(root.url.path + "/" + sha + "/"))
        try FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try Data(index.encoded()).write(to: URL(fileURLWithPath: file))
        // The folder as given with a trailing "/." still finds it.
        let again = try ChannelIndex.load(for: sha, folder: photos.url.path + "/.", root: root.url.path)
        XCTAssertEqual(again?.indexedCount, 1)
        // The same bytes where another model's or another folder's index belongs are refused, not trusted.
        let otherSHA = String(repeating: "cd", count: 32)
        let otherModel = IndexLocation.file(modelSHA256: otherSHA, folder: folder, root: root.url.path)
        try FileManager.default.createDirectory(atPath: (otherModel as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try Data(index.encoded()).write(to: URL(fileURLWithPath: otherModel))
        XCTAssertThrowsError(try ChannelIndex.load(for: otherSHA, folder: folder, root: root.url.path)) {
            XCTAssertEqual($0 as? IndexError, .otherModel(file: otherModel))
        }
        XCTAssertEqual(IndexLocation.saved(modelSHA256: sha, root: root.url.path).map(\.folder), [folder])
        XCTAssertEqual(IndexLocation.saved(modelSHA256: sha, root: root.url.path).map(\.file), [file])
        let otherFolder = IndexLocation.file(modelSHA256: sha, folder: "/elsewhere", root: root.url.path)
        try Data(index.encoded()).write(to: URL(fileURLWithPath: otherFolder))
        XCTAssertThrowsError(try ChannelIndex.load(for: sha, folder: "/elsewhere", root: root.url.path)) {
            XCTAssertEqual($0 as? IndexError, .otherFolder(file: otherFolder, folder: folder))
        }
    }

    func testIndexLocation_FollowsXDGCacheHome() {
        XCTAssertEqual(IndexLocation.root(environment: ["XDG_CACHE_HOME": "/c", "HOME": "/h"]), "/c/convscope/index")
        XCTAssertEqual(IndexLocation.root(environment: ["XDG_CACHE_HOME": "rel", "HOME": "/h"]),
                       "/h/.cache/convscope/index")
        XCTAssertEqual(IndexLocation.root(environment: ["HOME": "/h"]), "/h/.cache/convscope/index")
    }
}
