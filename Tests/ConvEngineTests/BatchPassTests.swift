import ConvEngine
import XCTest

/// The batched pass (`lastOutputs`, where each Winograd convolution and the 2×2 max-pool after it run as one) against
/// the one-image pass that keeps every layer's output.
final class BatchPassTests: XCTestCase {
    func testLastOutputs_EqualForwardPassLogits() throws {
        let a = TinyArchitecture(widths: [8, 16, 16, 24, 32], fcWidth: 12, classes: 6, inputSize: 64)
        let runner = Runner(model: TinyNetwork.randomModel(a, seed: 15), batch: 3)
        let inputs = (0..<3).map { TinyNetwork.randomInput(a, seed: 16 + UInt64($0)) }
        let batched = runner.lastOutputs(inputs.flatMap(\.data), count: 3)
        let single = try inputs.flatMap { try runner.forward($0).outputs.last!.data }
        let scale = single.map(abs).max()!
        let error = zip(batched, single).map { abs($0 - $1) }.max()! / scale
        print("batched pass within \(error) of the one-image pass")
        XCTAssertLessThanOrEqual(error, 1e-5)
        XCTAssertGreaterThan(
            zip(single[0..<6], single[6..<12]).map { abs($0 - $1) }.max()! / scale, 1e-3, "the inputs differ")
    }
}
