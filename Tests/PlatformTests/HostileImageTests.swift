import Foundation
import Platform
import Raster
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

/// Files built to hurt an image loader: headers whose sizes overflow or disagree with the decoder, and paths that are
/// not files at all. Each must be refused with one clear line naming the file, quickly, and without the memory a
/// decoder would have taken. Every case runs on a helper thread with a deadline, so a hang fails the test instead of
/// stopping the run, and the process's peak memory (VmHWM, reset through /proc/self/clear_refs) is measured around it.
final class HostileImageTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    static let deadline: TimeInterval = 5
    static let memoryBudget = 100 << 20  // far below the 1 GB the bad files used to cost; a refusal costs ~nothing
    var tmp: URL!

    override func setUpWithError() throws {
        tmp = FileManager.default.temporaryDirectory.appendingPathComponent("convscope-hostile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: tmp) }

    func path(_ name: String) -> String { tmp.appendingPathComponent(name).path }

    func write(_ bytes: [UInt8], _ name: String) -> String {
        XCTAssertTrue(FileManager.default.createFile(atPath: path(name), contents: Data(bytes)))
        return path(name)
    }

    // MARK: Measuring

    static func statusKB(_ field: String) -> Int? {
        guard let s = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = s.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") })
        else { return nil }
        return Int(line.split(separator: " ").dropFirst().first ?? "")
    }

    /// Writing 5 to /proc/self/clear_refs sets VmHWM back to the current resident size (Linux 4.0 and later).
    static func resetPeakMemory() -> Bool {
        let fd = open("/proc/self/clear_refs", O_WRONLY)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return posixWrite(fd, [UInt8(ascii: "5")]) == 1
    }

    /// Runs `body` on its own thread: its result, the seconds it took and how far it raised the process's peak
    /// resident memory; nil result when it did not finish within `deadline` (then `unblock` is called).
    func measured<T>(_ what: String, unblock: () -> Void = {}, _ body: @escaping @Sendable () -> T) -> (T, Double, Int)?
    {
        let reset = Self.resetPeakMemory()
        let before = Self.statusKB("VmRSS") ?? 0
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        let start = Date()
        Thread.detachNewThread {
            box.value = body()
            done.signal()
        }
        guard done.wait(timeout: .now() + Self.deadline) == .success else {
            XCTFail("\(what): still running after \(Self.deadline) s")
            unblock()
            return nil
        }
        let seconds = Date().timeIntervalSince(start)
        let peakRise = reset ? max(0, (Self.statusKB("VmHWM") ?? 0) - before) * 1024 : 0
        print("\(what): \(String(format: "%.3f", seconds)) s, peak memory +\(peakRise >> 20) MB")
        return (box.value!, seconds, peakRise)
    }

    /// `ImageFile.load(path:)` throws `expected`, whose text is one line naming the file, fast and small.
    func assertRefused(
        _ path: String, _ expected: ImageError, unblock: () -> Void = {},
        file: StaticString = #filePath, line: UInt = #line
    ) {
        guard
            let (result, seconds, memory) = measured(
                path, unblock: unblock, { Result { try ImageFile.load(path: path) } })
        else { return }
        switch result {
        case .success(let image): XCTFail("\(path) loaded as \(image.width)×\(image.height)", file: file, line: line)
        case .failure(let error):
            XCTAssertEqual(error as? ImageError, expected, file: file, line: line)
            let text = "\(error)"
            XCTAssertFalse(text.contains("\n"), text, file: file, line: line)
            XCTAssertTrue(text.contains((path as NSString).lastPathComponent), text, file: file, line: line)
        }
        XCTAssertLessThan(seconds, Self.deadline, file: file, line: line)
        XCTAssertLessThan(memory, Self.memoryBudget, "peak memory rose by \(memory >> 20) MB", file: file, line: line)
    }

    // MARK: Building hostile files

    static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// A PNG that is only a signature, an IHDR claiming `width`×`height`, and IEND.
    static func pngHeader(width: UInt32, height: UInt32) -> [UInt8] {
        func be(_ v: UInt32) -> [UInt8] {
            [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)]
        }
        return pngSignature + [0, 0, 0, 13] + Array("IHDR".utf8) + be(width) + be(height) + [8, 2, 0, 0, 0, 0, 0, 0, 0]
            + [0, 0, 0, 0] + Array("IEND".utf8) + [0xAE, 0x42, 0x60, 0x82]
    }

    /// A GIF with a 2-colour global table and one frame whose pixel data is only LZW's clear and end codes: SDL2_image
    /// allocates the frame's width × height and fills it with zeros. `before` goes between the table and the frame.
    static func gif(screen: (Int, Int), frame: (Int, Int), before: [UInt8] = []) -> [UInt8] {
        func le(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
        return Array("GIF89a".utf8) + le(screen.0) + le(screen.1) + [0x80, 0, 0] + [0, 0, 0, 255, 255, 255] + before
            + [0x2C] + le(0) + le(0) + le(frame.0) + le(frame.1) + [0]
            + [2, 1, 0x2C, 0]  // LZW minimum code size 2; one sub-block holding clear (4) and end (5); terminator
            + [0x3B]
    }

    /// A little-endian, uncompressed 8-bit grayscale TIFF: `entries` (tag, type, value) in IFD0, which follows the
    /// pixels (as libtiff writes it). StripOffsets points at the pixels wherever they are.
    static func tiff(_ entries: [(tag: Int, type: Int, value: Int)], pixels: [UInt8], padding: Int = 0) -> [UInt8] {
        func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
        func le32(_ v: Int) -> [UInt8] { le16(v & 0xFFFF) + le16(v >> 16) }
        let pixelStart = 8 + padding
        let ifd = pixelStart + pixels.count + (pixels.count & 1)
        var out: [UInt8] = [0x49, 0x49, 0x2A, 0x00] + le32(ifd) + [UInt8](repeating: 0, count: padding) + pixels
        if pixels.count & 1 == 1 { out.append(0) }
        out += le16(entries.count)
        for e in entries {
            let value = e.tag == 273 ? pixelStart : e.value
            out += le16(e.tag) + le16(e.type) + le32(1) + (e.type == 3 ? le16(value) + [0, 0] : le32(value))
        }
        return out + le32(0)
    }

    static func grayTIFFEntries(width: Int, height: Int) -> [(tag: Int, type: Int, value: Int)] {
        [
            (256, 3, width), (257, 3, height), (258, 3, 8), (259, 3, 1), (262, 3, 1), (273, 4, 0), (277, 3, 1),
            (278, 3, height), (279, 4, width * height),
        ]
    }

    // MARK: Headers

    func testPNGHeader_OverflowingSizeIsRefusedNotACrash() throws {
        // The 24 bytes from the report: width 0xBCBCBCBC, height 0xBCBCBC41; width × height overflowed Int.
        let bytes = [UInt8](try XCTUnwrap(Data(base64Encoded: "iVBORw0KGgoAAAANSUhEUry8vLy8vLxB")))
        XCTAssertEqual(bytes.count, 24)
        assertRefused(write(bytes, "x.png"), .damaged(file: "x.png", kind: "PNG"))
        XCTAssertThrowsError(try ImageFile.decode(bytes, name: "x.png")) {
            XCTAssertEqual($0 as? ImageError, .damaged(file: "x.png", kind: "PNG"))
        }

        // The largest sides PNG allows, and one side past the per-side limit: refused by size, from the header alone.
        assertRefused(
            write(Self.pngHeader(width: 0x7FFF_FFFF, height: 0x7FFF_FFFF), "max.png"),
            .tooLarge(file: "max.png", width: 0x7FFF_FFFF, height: 0x7FFF_FFFF))
        assertRefused(
            write(Self.pngHeader(width: 200_000, height: 8), "wide.png"),
            .tooLarge(file: "wide.png", width: 200_000, height: 8))
        XCTAssertTrue(
            ImageError.tooLarge(file: "wide.png", width: 200_000, height: 8).description.contains(
                "65535-pixel limit for a side"))
        assertRefused(write(Self.pngHeader(width: 0, height: 64), "zero.png"), .damaged(file: "zero.png", kind: "PNG"))
    }

    func testBMPHeader_NegativeAndHugeSidesAreRefused() throws {
        func bmp(width: UInt32, height: UInt32) -> [UInt8] {
            func le(_ v: UInt32) -> [UInt8] {
                [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 24)]
            }
            return Array("BM".utf8) + le(70) + le(0) + le(54) + le(40) + le(width) + le(height) + [1, 0, 24, 0]
                + [UInt8](repeating: 0, count: 40)
        }
        assertRefused(
            write(bmp(width: 0xFFFF_FFF0, height: 16), "negative.bmp"), .damaged(file: "negative.bmp", kind: "BMP"))
        assertRefused(write(bmp(width: 16, height: 0x8000_0000), "tall.bmp"), .damaged(file: "tall.bmp", kind: "BMP"))  // −2³¹ rows
        assertRefused(
            write(bmp(width: 16, height: 0xFFFF_0000), "topdown.bmp"),
            .tooLarge(file: "topdown.bmp", width: 16, height: 65536))
        assertRefused(
            write(bmp(width: 40_000, height: 40_000), "big.bmp"),
            .tooLarge(file: "big.bmp", width: 40_000, height: 40_000))
    }

    func testGIF_FrameLargerThanItsScreenIsHeldToTheCap() throws {
        // The control: a frame larger than its 8×8 screen decodes at the frame's size. So the frame's size is what the
        // decoder allocates, and what the cap must see.
        let grown = try ImageFile.load(path: write(Self.gif(screen: (8, 8), frame: (16, 16)), "grown.gif"))
        XCTAssertEqual([grown.width, grown.height], [16, 16])
        // And a frame smaller than its screen gives the frame (SDL2_image does not paint it onto the screen).
        let inset = try ImageFile.load(path: write(Self.gif(screen: (32, 32), frame: (8, 8)), "inset.gif"))
        XCTAssertEqual([inset.width, inset.height], [8, 8])

        let bomb = Self.gif(screen: (8, 8), frame: (65535, 65535))
        XCTAssertLessThan(bomb.count, 40)
        assertRefused(write(bomb, "bomb.gif"), .tooLarge(file: "bomb.gif", width: 65535, height: 65535))

        // The frame found behind extensions (graphic control, comment, application) and stray bytes, as SDL2_image walks them.
        let extensions: [UInt8] =
            [0x21, 0xF9, 4, 0, 0, 0, 0, 0] + [0x21, 0xFE, 3] + Array("hi!".utf8) + [0]
            + [0x21, 0xFF, 11] + Array("NETSCAPE2.0".utf8) + [3, 1, 0, 0, 0] + [0x00, 0x17]
        assertRefused(
            write(Self.gif(screen: (8, 8), frame: (20_000, 20_000), before: extensions), "hidden.gif"),
            .tooLarge(file: "hidden.gif", width: 20_000, height: 20_000))
        // A frame of zero width would make SDL2_image write outside its surface.
        assertRefused(
            write(Self.gif(screen: (8, 8), frame: (0, 16)), "flat.gif"), .damaged(file: "flat.gif", kind: "GIF"))
        // No frame at all before the trailer.
        assertRefused(
            write(Array("GIF89a".utf8) + [16, 0, 16, 0, 0, 0, 0, 0x3B], "none.gif"),
            .damaged(file: "none.gif", kind: "GIF"))
    }

    func testTIFF_DuplicateWidthTagIsRefused() throws {
        let pixels = [UInt8](repeating: 128, count: 64)
        // The control: the same builder without duplicates gives an 8×8 gray image.
        let plain = try ImageFile.load(
            path: write(Self.tiff(Self.grayTIFFEntries(width: 8, height: 8), pixels: pixels), "plain.tiff"))
        XCTAssertEqual([plain.width, plain.height], [8, 8])
        XCTAssertTrue(plain[3, 3] == (128, 128, 128, 255))

        // libtiff takes the first ImageWidth/ImageLength, a reader keeping the last would see 8×8.
        var twice = Self.grayTIFFEntries(width: 8, height: 8)
        twice.insert((256, 4, 60_000), at: 0)
        twice.insert((257, 4, 60_000), at: 2)
        let bomb = Self.tiff(twice, pixels: pixels)
        XCTAssertLessThan(bomb.count, 256)
        assertRefused(write(bomb, "twice.tiff"), .damaged(file: "twice.tiff", kind: "TIFF"))
        // Any tag named twice in IFD0 is refused too.
        var compression = Self.grayTIFFEntries(width: 8, height: 8)
        compression.insert((259, 3, 1), at: 3)
        assertRefused(
            write(Self.tiff(compression, pixels: pixels), "compression.tiff"),
            .damaged(file: "compression.tiff", kind: "TIFF"))
        // A width stored as a 32-bit value over PNG's limit (no format's side is that long) is damaged, not arithmetic.
        assertRefused(
            write(
                Self.tiff(
                    [(256, 4, -1 & 0xFFFF_FFFF)] + Self.grayTIFFEntries(width: 8, height: 8).dropFirst(), pixels: pixels
                ), "huge.tiff"),
            .damaged(file: "huge.tiff", kind: "TIFF"))
    }

    /// The header reader reads what it needs where it is, not a fixed prefix: a TIFF's directory after 200 KB of
    /// pixels and a JPEG's frame header after 100 KB of metadata are found and the images decode.
    func testHeaders_FoundBeyondTheFirst64KB() throws {
        let pixels = (0..<(400 * 500)).map { UInt8($0 % 251) }
        let tiff = try ImageFile.load(
            path: write(Self.tiff(Self.grayTIFFEntries(width: 400, height: 500), pixels: pixels), "late-ifd.tiff"))
        XCTAssertEqual([tiff.width, tiff.height], [400, 500])

        let jpg = [UInt8](try Data(contentsOf: Self.fixtures.appendingPathComponent("pattern.jpg")))
        var app15: [UInt8] = []
        for _ in 0..<2 { app15 += [0xFF, 0xEF, 0xFF, 0xFF] + [UInt8](repeating: 0x55, count: 0xFFFD) }
        let padded = Array(jpg[0..<2]) + app15 + Array(jpg[2...])
        let image = try ImageFile.load(path: write(padded, "metadata.jpg"))
        XCTAssertEqual(image, try ImageFile.load(path: Self.fixtures.appendingPathComponent("pattern.jpg").path))
    }

    /// The walk to the size is bounded: a GIF frame behind 200 000 stray bytes, or a JPEG frame header behind 20 000
    /// empty comment segments, is called damaged rather than searched for without end.
    func testHeaders_TheWalkToTheSizeIsBounded() throws {
        let stray = [UInt8](repeating: 0, count: 200_000)
        assertRefused(
            write(Self.gif(screen: (16, 16), frame: (16, 16), before: stray), "stray.gif"),
            .damaged(file: "stray.gif", kind: "GIF"))
        let jpg = [UInt8](try Data(contentsOf: Self.fixtures.appendingPathComponent("pattern.jpg")))
        let comments = (0..<20_000).flatMap { _ in [0xFF, 0xFE, 0x00, 0x02] as [UInt8] }
        assertRefused(
            write(Array(jpg[0..<2]) + comments + Array(jpg[2...]), "comments.jpg"),
            .damaged(file: "comments.jpg", kind: "JPEG"))
    }

    /// The copies in Fixtures/hostile (which the command-line tests use) are exactly what the builders above make.
    func testFixtures_MatchTheBuilders() throws {
        func fixture(_ name: String) throws -> [UInt8] {
            [UInt8](try Data(contentsOf: Self.fixtures.appendingPathComponent("hostile").appendingPathComponent(name)))
        }
        XCTAssertEqual(try fixture("x.png"), [UInt8](Data(base64Encoded: "iVBORw0KGgoAAAANSUhEUry8vLy8vLxB")!))
        XCTAssertEqual(try fixture("bomb.gif"), Self.gif(screen: (8, 8), frame: (65535, 65535)))
        var twice = Self.grayTIFFEntries(width: 8, height: 8)
        twice.insert((256, 4, 60_000), at: 0)
        twice.insert((257, 4, 60_000), at: 2)
        XCTAssertEqual(try fixture("twice.tiff"), Self.tiff(twice, pixels: [UInt8](repeating: 128, count: 64)))
    }

    // MARK: Paths that are not image files

    func testFIFO_RefusedWithoutBlocking() throws {
        let fifo = path("x.png")
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        // Should the load block in open(), opening the other end lets it go.
        assertRefused(
            fifo, .notRegularFile(path: fifo, kind: "FIFO (named pipe)"),
            unblock: {
                let w = open(fifo, O_WRONLY | O_NONBLOCK)
                if w >= 0 { close(w) }
            })
        XCTAssertTrue(
            ImageError.notRegularFile(path: "x.png", kind: "FIFO (named pipe)").description
                .hasPrefix("x.png: is a FIFO (named pipe), not an image file"))
        XCTAssertThrowsError(try RegularFile(path: fifo)) {
            XCTAssertEqual($0 as? ImageError, .notRegularFile(path: fifo, kind: "FIFO (named pipe)"))
        }
    }

    func testDevZero_RefusedAsACharacterDevice() throws {
        assertRefused("/dev/zero", .notRegularFile(path: "/dev/zero", kind: "character device"))
        // Through a symbolic link too: what counts is what the link leads to.
        let link = path("zero.png")
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "/dev/zero")
        assertRefused(link, .notRegularFile(path: link, kind: "character device"))
    }

    func testSparse2GBFile_RefusedBeforeItIsRead() throws {
        let big = path("big.png")
        let fd = open(big, O_CREAT | O_WRONLY, 0o600)
        XCTAssertGreaterThanOrEqual(fd, 0)
        let header = Self.pngHeader(width: 64, height: 64)
        XCTAssertEqual(posixWrite(fd, header), header.count)
        XCTAssertEqual(ftruncate(fd, 2 << 30), 0)
        close(fd)
        assertRefused(big, .fileTooLarge(file: "big.png", bytes: 2 << 30))
        XCTAssertTrue(ImageError.fileTooLarge(file: "big.png", bytes: 2 << 30).description.contains("2.1 GB"))

        // Just under the limit: only the header and the last bytes are read (no IEND there, so it is cut short).
        let under = path("under.png")
        XCTAssertTrue(FileManager.default.createFile(atPath: under, contents: Data(header.dropLast(12))))
        XCTAssertEqual(truncate(under, 900_000_000), 0)
        assertRefused(under, .truncated(file: "under.png", kind: "PNG"))
        // And text that size is "not an image" from its first bytes.
        let notes = path("notes.jpg")
        XCTAssertTrue(FileManager.default.createFile(atPath: notes, contents: Data("hello".utf8)))
        XCTAssertEqual(truncate(notes, 900_000_000), 0)
        assertRefused(notes, .notAnImage(file: "notes.jpg"))
    }

    func testSymlinkLoop_SaysSo() throws {
        let a = path("a.png")
        let b = path("b.png")
        try FileManager.default.createSymbolicLink(atPath: a, withDestinationPath: b)
        try FileManager.default.createSymbolicLink(atPath: b, withDestinationPath: a)
        assertRefused(a, .symlinkLoop(path: a))
        XCTAssertTrue(ImageError.symlinkLoop(path: a).description.contains("symbolic link loop"))
        // A link to nothing says that, rather than "no such file" for a name the user can see.
        let dangling = path("gone.png")
        try FileManager.default.createSymbolicLink(atPath: dangling, withDestinationPath: path("never-there.png"))
        assertRefused(dangling, .unreadable(path: dangling, reason: "a symbolic link to a file that does not exist"))
    }

    func testRegularFile_ReadsOnlyWhatItIsAskedFor() throws {
        let p = path("sparse.bin")
        XCTAssertTrue(FileManager.default.createFile(atPath: p, contents: Data([1, 2, 3])))
        XCTAssertEqual(truncate(p, 3 << 30), 0)
        guard
            let (bytes, _, memory) = measured(
                "RegularFile prefix",
                { () -> [UInt8]? in
                    guard let f = try? RegularFile(path: p) else { return nil }
                    return f.prefix(16)
                })
        else { return }
        XCTAssertEqual(bytes, [1, 2, 3] + [UInt8](repeating: 0, count: 13))
        XCTAssertLessThan(memory, Self.memoryBudget)
        XCTAssertThrowsError(try RegularFile(path: tmp.path)) {
            XCTAssertEqual($0 as? ImageError, .isDirectory(path: tmp.path))
        }
    }
}

private final class ResultBox<T>: @unchecked Sendable { var value: T? }

/// `write(2)`, named so it does not clash with the test helper `write(_:_:)`.
private func posixWrite(_ fd: Int32, _ bytes: [UInt8]) -> Int {
    bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
}
