import Foundation
import Platform
import Raster
import XCTest

/// A small tmpfs mounted for one test (tests run as root here and in CI); skips when mounting is not allowed.
final class SmallDisk {
    let path: String

    init(bytes: Int = 200 * 1024) throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("convscope-full-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/mount")
        p.arguments = ["-t", "tmpfs", "-o", "size=\(bytes / 1024)k", "tmpfs", path]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        do {
            try p.run()
            p.waitUntilExit()
        } catch {}
        guard p.terminationReason == .exit, p.terminationStatus == 0 else {
            try? FileManager.default.removeItem(atPath: path)
            throw XCTSkip("cannot mount a tmpfs (needs root): the full-disk test does not run")
        }
    }

    deinit {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/umount")
        p.arguments = [path]
        if (try? p.run()) != nil { p.waitUntilExit() }
        rmdir(path)
    }

    func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    var available: Int {
        var st = statvfs()
        return statvfs(path, &st) == 0 ? Int(st.f_bavail) * Int(st.f_frsize) : 0
    }

    /// Fills the disk with a file so only `leaving` bytes stay free.
    func fill(leaving: Int) {
        let size = max(0, available - leaving)
        FileManager.default.createFile(atPath: file("filler"), contents: Data(count: size))
        precondition(available <= leaving, "filler did not fill the disk")
    }

    var contents: [String] { ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted() }
}

/// Pseudo-random pixels that do not compress: a 512×512 image is about 1 MB as PNG.
func noiseImage(width: Int, height: Int, seed: UInt64 = 7) -> RGBAImage {
    var state = seed
    var pixels = [UInt8](repeating: 255, count: width * height * 4)
    for i in 0..<pixels.count where i % 4 != 3 {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        pixels[i] = UInt8(truncatingIfNeeded: state >> 56)
    }
    return RGBAImage(width: width, height: height, pixels: pixels)
}

final class PNGFileTests: XCTestCase {
    var tmp: URL!

    override func setUpWithError() throws {
        tmp = FileManager.default.temporaryDirectory.appendingPathComponent("convscope-png-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: tmp) }

    func testRoundTrip_EncodedBytesAndWrittenFileDecodeToTheSamePixels() throws {
        var image = noiseImage(width: 37, height: 21)
        for x in 0..<37 { image[x, 3] = (r: UInt8(x), g: 0, b: 255, a: 255) }
        let bytes = try PNGFile.encode(image)
        XCTAssertEqual(Array(bytes.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        let path = tmp.appendingPathComponent("round.png").path
        try PNGFile.write(image, to: path)
        XCTAssertEqual(FileManager.default.contents(atPath: path), bytes, "the file holds exactly the encoded bytes")
        XCTAssertTrue(try ImageFile.load(path: path) == image, "the pixels come back unchanged")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: tmp.path), ["round.png"])
    }

    func testReplace_WritesTheNewImageOverTheOld() throws {
        let path = tmp.appendingPathComponent("out.png").path
        try PNGFile.write(RGBAImage(width: 8, height: 8, fill: (r: 1, g: 2, b: 3, a: 255)), to: path)
        let second = noiseImage(width: 16, height: 9)
        try PNGFile.write(second, to: path)
        XCTAssertTrue(try ImageFile.load(path: path) == second)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: tmp.path), ["out.png"])
    }

    func testEncode_EmptyImageIsAnErrorAndWritesNothing() throws {
        let path = tmp.appendingPathComponent("empty.png").path
        XCTAssertThrowsError(try PNGFile.write(RGBAImage(width: 0, height: 0, pixels: []), to: path)) {
            XCTAssertTrue("\($0)".contains("could not be encoded"), "\($0)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: tmp.path), [])
    }

    /// A 1 MB PNG into a 200 KB tmpfs: an error that says the disk is full and how far it got, no temporary file,
    /// and the good file already at the destination byte-identical.
    func testFullDisk_ThrowsLeavesNoTemporaryAndKeepsTheExistingFile() throws {
        let disk = try SmallDisk()
        let path = disk.file("grid.png")
        try PNGFile.write(noiseImage(width: 24, height: 24, seed: 1), to: path)
        let good = try XCTUnwrap(FileManager.default.contents(atPath: path))

        let large = noiseImage(width: 512, height: 512)
        let size = try PNGFile.encode(large).count
        XCTAssertGreaterThan(size, 400_000)
        XCTAssertThrowsError(try PNGFile.write(large, to: path)) { error in
            guard case FileWriteError.diskFull(let p, let wrote, let total, let quota, let existing) = error else {
                return XCTFail("not a disk-full error: \(error)")
            }
            XCTAssertEqual(p, path)
            XCTAssertGreaterThan(wrote, 0, "part of it was written before the disk filled")
            XCTAssertLessThan(wrote, total)
            XCTAssertEqual(total, size)
            XCTAssertFalse(quota)
            XCTAssertTrue(existing)
            XCTAssertEqual(
                "\(error)", "\(path): the disk is full (wrote \(wrote) of \(size) bytes); nothing was replaced")
        }
        XCTAssertEqual(disk.contents, ["grid.png"], "no temporary file is left")
        XCTAssertEqual(FileManager.default.contents(atPath: path), good, "the existing file is byte-identical")
        XCTAssertTrue(try ImageFile.load(path: path) == noiseImage(width: 24, height: 24, seed: 1))

        // A new name, with and without replace: nothing appears.
        for replace in [true, false] {
            XCTAssertThrowsError(try PNGFile.write(large, to: disk.file("new.png"), replace: replace)) {
                XCTAssertTrue("\($0)".hasSuffix("; nothing was written"), "\($0)")
            }
            XCTAssertEqual(disk.contents, ["grid.png"])
        }
        // The space the failed writes took is free again: a small image still fits.
        try PNGFile.write(noiseImage(width: 16, height: 16), to: disk.file("small.png"), replace: false)
        XCTAssertTrue(try ImageFile.load(path: disk.file("small.png")) == noiseImage(width: 16, height: 16))
    }
}
