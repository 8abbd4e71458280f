import ConvEngine
import XCTest

final class Conv3x3BackwardTests: XCTestCase {
    /// L(x) = Σ w · Conv3x3.forward(x): its gradient is backwardInput(reluBackward(w)).
    func testBackwardInput_WithReluBackward_MatchesFiniteDifferences() {
        let (h, w, cin, cout) = (5, 6, 3, 4)
        var rng = SeededRandom(seed: 21)
        let x = rng.floats(h * w * cin)
        let kernel = rng.floats(9 * cin * cout)
        let bias = rng.floats(cout, -0.3, 0.3)
        let weights = rng.floats(h * w * cout)
        var scratch = [Float](repeating: 0, count: Conv3x3.scratchCount(inChannels: cin))
        func forward(_ x: [Float]) -> [Float] {
            var y = [Float](repeating: 0, count: h * w * cout)
            Conv3x3.forward(
                x: x, height: h, width: w, inChannels: cin, kernel: kernel, bias: bias, outChannels: cout, y: &y,
                scratch: &scratch)
            return y
        }
        let y = forward(x)
        XCTAssertGreaterThan(y.filter { $0 == 0 }.count, 10, "some outputs must be cut by the ReLU")

        var g = weights
        Conv3x3.reluBackward(&g, output: y, count: g.count)
        var dx = [Float](repeating: .nan, count: x.count)
        Conv3x3.backwardInput(
            dy: g, height: h, width: w, inChannels: cin, kernel: kernel, outChannels: cout, dx: &dx, scratch: &scratch)

        let fd = FiniteDifferences(x: x, analytic: dx, eps: 1e-2) { v in
            let y = forward(v)
            return (zip(y, weights).reduce(0) { $0 + Double($1.0) * Double($1.1) }, y.map { $0 > 0 ? 1 : 0 })
        }
        print("conv backward max error \(fd.maxError) (\(fd.checked) checked, \(fd.skipped) at kinks)")
        XCTAssertLessThan(fd.maxError, 1e-4)
        XCTAssertGreaterThan(fd.checked, x.count * 3 / 4)
    }

    /// Across the im2col chunk boundary, against the direct transposed convolution.
    func testBackwardInput_MoreThanOneChunk_MatchesDirectTransposedConvolution() {
        let (h, w, cin, cout) = (48, 48, 2, 3)
        var rng = SeededRandom(seed: 22)
        let kernel = rng.floats(9 * cin * cout)
        let dy = rng.floats(h * w * cout)
        var scratch = [Float](repeating: 0, count: Conv3x3.scratchCount(inChannels: cin))
        var dx = [Float](repeating: .nan, count: h * w * cin)
        Conv3x3.backwardInput(
            dy: dy, height: h, width: w, inChannels: cin, kernel: kernel, outChannels: cout, dx: &dx, scratch: &scratch)
        let naive = NaiveConvolution.backwardInput(
            dy, height: h, width: w, inChannels: cin, kernel: kernel, outChannels: cout)
        let err = maxRelativeError(dx.map(Double.init), naive)
        print("conv backward (48×48, 2 chunks) max error \(err)")
        XCTAssertLessThan(err, 1e-5)
    }

    /// Split over threads (4608 pixels: two shares of 2304, meeting mid-image, where both add onto the same rows).
    func testBackwardInput_Threads_MatchDirectTransposedConvolution() {
        let (h, w, cin, cout) = (72, 64, 3, 8)
        var rng = SeededRandom(seed: 23)
        let kernel = rng.floats(9 * cin * cout)
        let dy = rng.floats(h * w * cout)
        var scratch = [Float](repeating: 0, count: 3 * Conv3x3.scratchCount(inChannels: cin))
        var dx = [Float](repeating: .nan, count: h * w * cin)
        Conv3x3.backwardInput(
            dy: dy, height: h, width: w, inChannels: cin, kernel: kernel, outChannels: cout, dx: &dx, scratch: &scratch,
            ways: 3)
        let naive = NaiveConvolution.backwardInput(
            dy, height: h, width: w, inChannels: cin, kernel: kernel, outChannels: cout)
        let err = maxRelativeError(dx.map(Double.init), naive)
        print("conv backward (72×64, 2 threads) max error \(err)")
        XCTAssertLessThan(err, 1e-5)
    }

    func testReluBackward_ZeroesGradientWhereOutputIsNotPositive() {
        var g: [Float] = [1, 2, 3, 4, 5]
        let y: [Float] = [0.5, 0, -0, 3, .nan]
        Conv3x3.reluBackward(&g, output: y, count: g.count)
        XCTAssertEqual(g, [1, 0, 0, 4, 0])
    }
}
