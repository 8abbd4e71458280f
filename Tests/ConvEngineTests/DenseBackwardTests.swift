import ConvEngine
import XCTest

final class DenseBackwardTests: XCTestCase {
    func testBackwardInput_MatchesFiniteDifferences() {
        let (inputs, outputs) = (9, 5)
        var rng = SeededRandom(seed: 41)
        let x = rng.floats(inputs)
        let kernel = rng.floats(inputs * outputs)
        let bias = rng.floats(outputs)
        let weights = rng.floats(outputs)
        func forward(_ x: [Float]) -> [Float] {
            var y = [Float](repeating: 0, count: outputs)
            Dense.forward(x: x, kernel: kernel, bias: bias, inputs: inputs, outputs: outputs, relu: false, y: &y)
            return y
        }
        var dx = [Float](repeating: .nan, count: inputs)
        Dense.backwardInput(dy: weights, kernel: kernel, inputs: inputs, outputs: outputs, dx: &dx)

        let fd = FiniteDifferences(x: x, analytic: dx, eps: 1e-2) { v in
            zip(forward(v), weights).reduce(0) { $0 + Double($1.0) * Double($1.1) }
        }
        print("dense backward max error \(fd.maxError)")
        XCTAssertLessThan(fd.maxError, 1e-4)
        XCTAssertEqual(fd.checked, inputs)
    }

    func testForward_UsesKernelInInputsByOutputsLayout() {
        // kernel (2 inputs, 3 outputs) row-major: y_j = Σ_i x_i K[i][j] + b_j, then ReLU.
        let kernel: [Float] = [
            1, 2, -3,
            4, 5, -6,
        ]
        var y = [Float](repeating: .nan, count: 3)
        Dense.forward(x: [1, 10], kernel: kernel, bias: [0.5, 0, 1], inputs: 2, outputs: 3, relu: true, y: &y)
        XCTAssertEqual(y, [41.5, 52, 0])
        Dense.forward(x: [1, 10], kernel: kernel, bias: [0.5, 0, 1], inputs: 2, outputs: 3, relu: false, y: &y)
        XCTAssertEqual(y, [41.5, 52, -62])
    }
}
