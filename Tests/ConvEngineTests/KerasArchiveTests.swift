import ConvEngine
import XCTest

/// The `.keras` zip container read through libzip: a damaged, cut or disguised archive is refused with its reason.
final class KerasArchiveTests: XCTestCase {
    private var folder: TemporaryFolder!
    private var original: [UInt8] = []

    override func setUpWithError() throws {
        folder = try TemporaryFolder("keras-zip")
        let url = ModelReference.root.deletingLastPathComponent().appendingPathComponent(
            "Fuzz/corpus/keras/tiny_model.keras")
        original = try [UInt8](Data(contentsOf: url))
    }

    override func tearDown() { folder = nil }

    func testLoad_Intact_ReadsTheModel() throws {
        let model = try ModelLoader.load(path: try write(original, as: "intact.keras"))
        XCTAssertEqual(model.format, "Keras .keras")
    }

    func testLoad_FlippedByteInConfig_FailsItsCRC() throws {
        var bytes = original
        let config = try dataRange(of: "config.json", in: bytes)
        bytes[config.lowerBound + 40] ^= 0x01
        let message = try loadError(bytes, as: "flipped.keras")
        XCTAssertTrue(message.contains("config.json") && message.contains("damaged"), message)
    }

    func testLoad_CutInHalf_IsNotAReadableZip() throws {
        let message = try loadError(Array(original[..<(original.count / 2)]), as: "cut.keras")
        XCTAssertTrue(message.contains("not a readable zip archive"), message)
    }

    func testLoad_WeightsEntryIsASymlink_IsRefused() throws {
        var bytes = original
        let header = try centralHeader(of: "model.weights.h5", in: bytes)
        let symlink = UInt32(0o120777) << 16
        for k in 0..<4 { bytes[header + 38 + k] = UInt8((symlink >> (8 * UInt32(k))) & 0xff) }
        bytes[header + 5] = 3  // "made by" Unix
        let message = try loadError(bytes, as: "symlink.keras")
        XCTAssertTrue(message.contains("model.weights.h5 is not a plain file"), message)
    }

    // MARK: - Helpers

    private func write(_ bytes: [UInt8], as name: String) throws -> String {
        let path = folder.path(name)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    private func loadError(_ bytes: [UInt8], as name: String) throws -> String {
        let path = try write(bytes, as: name)
        do {
            _ = try ModelLoader.load(path: path)
        } catch {
            return "\(error)"
        }
        XCTFail("\(name) loaded")
        return ""
    }

    private func u16(_ b: [UInt8], _ at: Int) -> Int { Int(b[at]) | Int(b[at + 1]) << 8 }
    private func u32(_ b: [UInt8], _ at: Int) -> Int { u16(b, at) | u16(b, at + 2) << 16 }

    /// The offset of the central-directory header ("PK\1\2") naming `entry`.
    private func centralHeader(of entry: String, in b: [UInt8]) throws -> Int {
        for i in 0..<(b.count - 46) where b[i] == 0x50 && b[i + 1] == 0x4b && b[i + 2] == 1 && b[i + 3] == 2 {
            let n = u16(b, i + 28)
            if String(decoding: b[(i + 46)..<(i + 46 + n)], as: UTF8.self) == entry { return i }
        }
        XCTFail("the fixture has no central header for \(entry)")
        throw CocoaError(.fileReadCorruptFile)
    }

    /// Where `entry`'s stored bytes lie in the file.
    private func dataRange(of entry: String, in b: [UInt8]) throws -> Range<Int> {
        let central = try centralHeader(of: entry, in: b)
        let local = u32(b, central + 42)
        let start = local + 30 + u16(b, local + 26) + u16(b, local + 28)
        return start..<(start + u32(b, central + 20))
    }
}
