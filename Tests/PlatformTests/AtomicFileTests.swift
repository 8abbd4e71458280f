import Foundation
import Platform
import XCTest

final class AtomicFileTests: XCTestCase {
    var tmp: URL!

    override func setUpWithError() throws {
        tmp = FileManager.default.temporaryDirectory.appendingPathComponent("convscope-atomic-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: tmp) }

    var listing: [String] { ((try? FileManager.default.contentsOfDirectory(atPath: tmp.path)) ?? []).sorted() }

    func testWrite_WritesTheBytesAndLeavesNoTemporary() throws {
        let path = tmp.appendingPathComponent("a.json").path
        let data = Data((0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        try AtomicFile.write(data, to: path)
        XCTAssertEqual(FileManager.default.contents(atPath: path), data)
        try AtomicFile.write(Data(), to: tmp.appendingPathComponent("empty").path)
        XCTAssertEqual(FileManager.default.contents(atPath: tmp.appendingPathComponent("empty").path), Data())
        XCTAssertEqual(listing, ["a.json", "empty"])
    }

    func testReplace_SwapsTheContentAndKeepsThePermissions() throws {
        let path = tmp.appendingPathComponent("layers.json").path
        try AtomicFile.write(Data("old".utf8), to: path)
        XCTAssertEqual(chmod(path, 0o600), 0)
        try AtomicFile.write(Data("new".utf8), to: path)
        XCTAssertEqual(FileManager.default.contents(atPath: path), Data("new".utf8))
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        XCTAssertEqual(mode, 0o600)
        XCTAssertEqual(listing, ["layers.json"])
    }

    func testNoReplace_CreatesAFreeNameAndNeverTouchesAnExistingFile() throws {
        let path = tmp.appendingPathComponent("x.png").path
        try AtomicFile.write(Data("first".utf8), to: path, replace: false)
        XCTAssertEqual(FileManager.default.contents(atPath: path), Data("first".utf8))
        XCTAssertThrowsError(try AtomicFile.write(Data("second".utf8), to: path, replace: false)) {
            XCTAssertEqual($0 as? ImageError, .exists(path: path))
        }
        XCTAssertEqual(FileManager.default.contents(atPath: path), Data("first".utf8))
        XCTAssertEqual(listing, ["x.png"])
    }

    func testMissingFolder_SaysSo() throws {
        let path = tmp.appendingPathComponent("no/such/x.npy").path
        XCTAssertThrowsError(try AtomicFile.write(Data("x".utf8), to: path)) {
            XCTAssertEqual(
                "\($0)",
                "\(path): could not be written (folder \(tmp.appendingPathComponent("no/such").path) does not exist); nothing was changed"
            )
        }
    }

    /// More bytes than a 200 KB tmpfs holds: a disk-full error with the count written, no temporary file, the old file
    /// intact; then a write that fits succeeds.
    func testFullDisk_ThrowsAndKeepsTheExistingFile() throws {
        let disk = try SmallDisk()
        let path = disk.file("map.npy")
        try AtomicFile.write(Data("good".utf8), to: path)
        let big = Data(count: 300 * 1024)
        XCTAssertThrowsError(try AtomicFile.write(big, to: path)) { error in
            guard case FileWriteError.diskFull(_, let wrote, let total, _, let existing) = error else {
                return XCTFail("\(error)")
            }
            XCTAssertEqual(total, big.count)
            XCTAssertTrue(wrote > 0 && wrote < total, "wrote \(wrote)")
            XCTAssertTrue(existing)
            XCTAssertTrue("\(error)".hasPrefix("\(path): the disk is full (wrote "), "\(error)")
        }
        XCTAssertEqual(FileManager.default.contents(atPath: path), Data("good".utf8))
        XCTAssertEqual(disk.contents, ["map.npy"])

        disk.fill(leaving: 8192)
        XCTAssertThrowsError(try AtomicFile.write(Data(count: 20_000), to: disk.file("new.npy"), replace: false)) {
            XCTAssertTrue(
                "\($0)".contains("the disk is full (wrote 8192 of 20000 bytes); nothing was written"), "\($0)")
        }
        XCTAssertEqual(disk.contents, ["filler", "map.npy"])
        try AtomicFile.write(Data(count: 4000), to: disk.file("fits.npy"), replace: false)
        XCTAssertEqual(FileManager.default.contents(atPath: disk.file("fits.npy"))?.count, 4000)
    }
}
