import ConvEngine
import XCTest

/// Damaged and hostile HDF5 files: each refused with the specific WeightsError, none crashing.
final class HDF5HostileFileTests: XCTestCase {
    private let fixture = LoaderFixture(seed: 111)
    private var folder: TemporaryFolder!

    override func setUpWithError() throws { folder = try TemporaryFolder("hostileh5") }
    override func tearDown() { folder = nil }

    private func writeLegacy(_ name: String, _ edit: (inout [Tensor]) -> Void = { _ in }) -> String {
        var tensors = WeightFiles.kerasLegacy(fixture.canonical)
        edit(&tensors)
        let path = folder.path(name)
        WeightFiles.writeKerasLegacy(tensors, to: path)
        return path
    }

    func testLoad_TruncatedHDF5_ThrowsWithoutCrashing() throws {
        let good = writeLegacy("good.h5")
        let size = try FileManager.default.attributesOfItem(atPath: good)[.size] as! Int
        for keep in [size / 2, size - 100, 600] {
            let path = try folder.truncatedCopy(of: good, keeping: keep, as: "cut\(keep).h5")
            XCTAssertThrowsError(try ModelLoader.load(path: path), "kept \(keep) of \(size) bytes") { error in
                XCTAssertNotNil(error as? WeightsError, "\(error)")
                print("truncated HDF5 (\(keep) of \(size) bytes): \(error)")
            }
        }
    }

    func testLoad_SignatureOnly_ThrowsMalformed() throws {
        let path = try folder.write(
            "sig.h5", [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a] + [UInt8](repeating: 0, count: 64))
        XCTAssertLoadThrows(
            path,
            WeightsError.malformed(
                file: "sig.h5", detail: "HDF5 signature found but the file cannot be opened; it may be truncated"))
    }

    /// The filters a kernel makes are whatever the file says, so the shape the model needs keeps the file's last axis.
    func testLoad_WrongShape_ThrowsWrongShape() {
        let path = writeLegacy("shape.h5") { t in
            t["block2_conv1/block2_conv1_W_1:0"].shape = [3, 3, 3, 2]  // same count as the true (3,3,2,3)
        }
        XCTAssertLoadThrows(
            path,
            .wrongShape(file: "shape.h5", tensor: "block2_conv1 kernel", expected: [3, 3, 2, 2], found: [3, 3, 3, 2]))
    }

    func testLoad_NaNValue_ThrowsNonFinite() {
        let path = writeLegacy("nan.h5") { t in t["block5_conv3/block5_conv3_W_1:0"].values[17] = .nan }
        XCTAssertLoadThrows(path, ModelError.nonFinite(file: "nan.h5", tensor: "block5_conv3 kernel"))
    }

    func testLoad_InfiniteValue_ThrowsNonFinite() {
        let path = writeLegacy("inf.h5") { t in t["predictions/predictions_b_1:0"].values[0] = .infinity }
        XCTAssertLoadThrows(path, ModelError.nonFinite(file: "inf.h5", tensor: "predictions bias"))
    }

    /// A layer group that is an external link would make libhdf5 open another file named by this one.
    func testLoad_LayerIsExternalLink_ThrowsUnsafeHDF5() {
        let target = writeLegacy("target.h5")
        let path = folder.path("linked.h5")
        WeightFiles.writeKerasLegacy(
            WeightFiles.kerasLegacy(fixture.canonical).filter { !$0.name.hasPrefix("block1_conv1/") }, to: path
        ) { h5 in
            h5.externalLink("block1_conv1", toFile: target, object: "block1_conv1")
        }
        XCTAssertLoadThrows(path, .unsafeHDF5(file: "linked.h5", detail: "block1_conv1 is an external link"))
    }

    /// A dataset whose bytes live in a raw external file (H5Pset_external) could read any file on disk.
    func testLoad_DatasetWithExternalStorage_ThrowsUnsafeHDF5() {
        let path = folder.path("external.h5")
        let raw = folder.path("raw.bin")
        WeightFiles.writeKerasLegacy(
            WeightFiles.kerasLegacy(fixture.canonical), to: path,
            externalStorage: ["block1_conv1/block1_conv1_W_1:0": raw])
        XCTAssertTrue(FileManager.default.fileExists(atPath: raw), "libhdf5 wrote the data outside the file")
        XCTAssertLoadThrows(
            path,
            .unsafeHDF5(
                file: "external.h5", detail: "block1_conv1/block1_conv1_W_1:0 keeps its data in an external file"))
    }

    /// Compact storage keeps a dataset's bytes in its header, where libhdf5 trusts the sizes the file declares
    /// (`H5D__compact_readvv`); Keras never writes it, so it is refused before any data is read.
    func testLoad_CompactDataset_ThrowsUnsafeHDF5() {
        let path = folder.path("compact.h5")
        WeightFiles.writeKerasLegacy(
            WeightFiles.kerasLegacy(fixture.canonical), to: path, compact: ["block1_conv1/block1_conv1_b_1:0"])
        XCTAssertLoadThrows(
            path,
            .unsafeHDF5(
                file: "compact.h5",
                detail: "block1_conv1/block1_conv1_b_1:0 is stored compact, which Keras never writes"))
    }
}
