@testable import ConvEngine
import Foundation
import XCTest

/// `IsolatedModelLoader.prefetch` reads a model while the window opens: the next read of the same, unchanged file
/// takes that model, once; a changed file is read again.
final class ModelPrefetchTests: XCTestCase {
    func testPrefetch_NextReadTakesTheSameModelOnce() throws {
        let folder = try TemporaryFolder("prefetch")
        let path = folder.path("weights.h5")
        try FileManager.default.copyItem(atPath: ModelReference("vgg19_keras").path(), toPath: path)
        let prefetch = ModelPrefetch()
        prefetch.start(path: path) { try ModelLoader.readModel(path: path) }
        let early = try XCTUnwrap(prefetch.take(path: path)).get()
        XCTAssertNil(prefetch.take(path: path), "taken once")
        let direct = try ModelLoader.readModel(path: path)
        XCTAssertEqual(early.layers.map(\.name), direct.layers.map(\.name))
        for (a, b) in zip(early.layers, direct.layers) {
            if case .conv2D(let x) = a.kind, case .conv2D(let y) = b.kind { XCTAssertEqual(x.kernel, y.kernel) }
        }
    }

    func testPrefetch_ChangedFileIsReadAgain() throws {
        let folder = try TemporaryFolder("prefetch")
        let path = folder.path("weights.h5")
        try FileManager.default.copyItem(atPath: ModelReference("vgg19_keras").path(), toPath: path)
        let prefetch = ModelPrefetch()
        prefetch.start(path: path) { try ModelLoader.readModel(path: path) }
        var times = [timespec(tv_sec: 1_000_000, tv_nsec: 0), timespec(tv_sec: 1_000_000, tv_nsec: 0)]
        XCTAssertEqual(utimensat(AT_FDCWD, path, &times, 0), 0)
        XCTAssertNil(prefetch.take(path: path), "the file changed after the early read began")
        XCTAssertNil(prefetch.take(path: folder.path("other.h5")))
    }

    func testPrefetch_FailureIsTheReadsOwnError() throws {
        let folder = try TemporaryFolder("prefetch")
        let path = try folder.write("weights.h5", Array("not a model at all".utf8))
        let prefetch = ModelPrefetch()
        prefetch.start(path: path) { try ModelLoader.readModel(path: path) }
        let result = try XCTUnwrap(prefetch.take(path: path))
        XCTAssertThrowsError(try result.get())
    }
}
