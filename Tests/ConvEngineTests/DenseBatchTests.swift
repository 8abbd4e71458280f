import ConvEngine
import XCTest

/// The batched dense layer (one sgemm per thread for the batch) against the one-image path, image by image.
final class DenseBatchTests: XCTestCase {
    func testForwardBatch_EqualsForwardPerImage_WithReLUAndZeros() {
        var seed: UInt64 = 7
        func next() -> Float {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(Int64(bitPattern: seed >> 11) % 2001 - 1000) / 1000
        }
        let n = 3
        let inputs = 300
        let outputs = 200  // three whole 64-column blocks and a part one, split over 1–3 threads
        // ReLU outputs feed a dense layer: about half the inputs are exactly zero.
        let x = (0..<(n * inputs)).map { _ in max(next(), 0) }
        let kernel = (0..<(inputs * outputs)).map { _ in next() * 0.1 }
        let bias = (0..<outputs).map { _ in next() }
        for (relu, ways) in [(false, 1), (true, 1), (false, 2), (true, 3)] {
            var batched = [Float](repeating: .nan, count: n * outputs)
            var single = batched
            Dense.forwardBatch(
                x: x, batch: n, kernel: kernel, bias: bias, inputs: inputs, outputs: outputs, relu: relu,
                y: &batched, ways: ways)
            for b in 0..<n {
                x.withUnsafeBufferPointer { xp in
                    single.withUnsafeMutableBufferPointer { yp in
                        Dense.forward(
                            x: xp.baseAddress! + b * inputs, kernel: kernel, bias: bias, inputs: inputs,
                            outputs: outputs, relu: relu, y: yp.baseAddress! + b * outputs)
                    }
                }
            }
            let worst = zip(batched, single).map { abs($0 - $1) }.max()!
            print("dense batch of \(n) (relu \(relu), \(ways) threads) max error \(worst)")
            XCTAssertLessThan(worst, 1e-5)
            if relu { XCTAssertEqual(batched.min(), 0) }
        }
    }
}
