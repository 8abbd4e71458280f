@testable import ConvEngine
import XCTest

/// The batched passes run the layers below the classifier head `passBatch` images at a time: a local pass gives the
/// same bits as one pass of the whole batch, a whole pass the same to float rounding (OpenBLAS may sum a short GEMM's
/// rows in another order; on VGG16 the Score-CAM and Ablation-CAM maps came out the same bits), the buffers hold
/// `passBatch` images, and the batch runner's buffers go with `dropBatchRunner`.
final class PassBatchTests: XCTestCase {
    private let a = TinyArchitecture(widths: [8, 16, 16, 24, 32], fcWidth: 12, classes: 6, inputSize: 64)

    private func runner(passBatch: Int) -> Runner {
        let r = Runner(model: TinyNetwork.randomModel(a, seed: 31), batch: 7)
        r.passBatch = passBatch
        return r
    }

    func testLastOutputs_SplitIntoPassBatches_EqualOneWholeBatchToRounding() {
        let inputs = (0..<7).flatMap { TinyNetwork.randomInput(a, seed: 40 + UInt64($0)).data }
        let whole = runner(passBatch: 7).lastOutputs(inputs, count: 7)
        let scale = whole.map(abs).max()!
        for m in [1, 2, 3] {
            let split = runner(passBatch: m).lastOutputs(inputs, count: 7)
            XCTAssertEqual(split.count, whole.count)
            let error = zip(split, whole).map { abs($0 - $1) }.max()! / scale
            XCTAssertLessThanOrEqual(error, 5e-5, "pass batch \(m)")
        }
        XCTAssertGreaterThan(Set(whole).count, 30, "the images give different logits")
    }

    func testLocalChanges_SplitIntoPassBatches_EqualOneWholeBatchBitForBit() throws {
        var rng = SeededRandom(seed: 50)
        let boxes = [
            Box(y0: 0, y1: 5, x0: 0, x1: 7), Box(y0: 40, y1: 64, x0: 3, x1: 30), Box(y0: 10, y1: 11, x0: 20, x1: 21),
            Box(y0: 0, y1: 64, x0: 0, x1: 64), Box(y0: 30, y1: 50, x0: 30, x1: 60), Box(y0: 5, y1: 9, x0: 50, x1: 64),
            Box(y0: 20, y1: 44, x0: 20, x1: 44),
        ]
        let changes = boxes.map { LocalChange(box: $0, values: rng.floats($0.area * 3, -120, 120)) }
        func scores(_ m: Int) throws -> [Float] {
            let r = runner(passBatch: m)
            let base = try r.forward(TinyNetwork.randomInput(a, seed: 51))
            return try r.localChangeScorer(base: base, classIndex: 2, kind: .logit).scores(changes)
        }
        let whole = try scores(7)
        for m in [1, 2, 4] { XCTAssertEqual(try scores(m), whole, "pass batch \(m)") }
        XCTAssertEqual(Set(whole).count, 7, "every change gives its own score")
    }

    func testPassBuffers_HoldPassBatchImagesNotTheBatch() {
        let r = runner(passBatch: 2)
        let inputs = (0..<7).flatMap { TinyNetwork.randomInput(a, seed: 60 + UInt64($0)).data }
        _ = r.lastOutputs(inputs, count: 7)
        let largest = r.layers.map(\.output.count).max()!
        XCTAssertEqual(r.passBuffers.count, 2)
        XCTAssertEqual(r.passBuffers.map(\.count), [2 * largest, 2 * largest])
    }

    func testDropBatchRunner_ReleasesTheBatchRunnerAndItsBuffers() throws {
        let r = Runner(model: TinyNetwork.randomModel(a, seed: 32))
        weak var batched: Runner?
        do {
            let b = r.batchRunner()
            batched = b
            let input = TinyNetwork.randomInput(a, seed: 33)
            let activations = try r.forward(input)
            let c = try r.classify(activations)
            _ = try r.classActivationMap(ScoreCAM(), activations, classification: c)
            XCTAssertFalse(b.passBuffers.isEmpty, "Score-CAM ran on the batch runner")
        }
        XCTAssertNotNil(batched, "kept between runs")
        r.dropBatchRunner()
        XCTAssertNil(batched, "gone with its buffers")
    }
}

/// `releaseRunMemory` lets the batch runner go; the next backward pass gives the same bits.
final class RunMemoryTests: XCTestCase {
    func testReleaseRunMemory_DropsBatchRunner_AndBackwardGivesTheSameBits() throws {
        let a = TinyArchitecture(widths: [8, 16, 16, 24, 32], fcWidth: 12, classes: 6, inputSize: 64)
        let r = Runner(model: TinyNetwork.randomModel(a, seed: 34))
        let activations = try r.forward(TinyNetwork.randomInput(a, seed: 35))
        let c = try r.classify(activations)
        let gradient = c.scoreGradient(c.top(1)[0].index, .logit)
        let first = r.backward(gradient, from: r.layers.count - 1, to: -1, activations: activations)
        let b = r.batchRunner()
        r.releaseRunMemory()
        XCTAssertFalse(r.batchRunner() === b, "a new batch runner after the release")
        let again = r.backward(gradient, from: r.layers.count - 1, to: -1, activations: activations)
        XCTAssertEqual(again, first)
        XCTAssertGreaterThan(first.map(abs).max()!, 0)
    }
}
