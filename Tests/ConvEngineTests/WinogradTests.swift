import ConvEngine
import XCTest

/// Winograd F(4×4,3×3) in float rounds more than im2col (its transforms add and subtract terms up to 8× apart):
/// on random data about 2e-5 of the output's scale against 4e-7; a wrong tile, border or transform errs by O(1).
final class WinogradTests: XCTestCase {
    private let tolerance = 1e-4

    private func forward(
        _ x: [Float], batch: Int, height h: Int, width w: Int, kernel: WinogradKernel, bias: [Float]?,
        relu: Bool, ways: Int
    ) -> [Float] {
        var y = [Float](repeating: .nan, count: batch * h * w * kernel.outChannels)
        var scratch = [Float](
            repeating: .nan,
            count: Winograd.scratchCount(
                batch: batch, height: h, width: w,
                inChannels: kernel.inChannels, outChannels: kernel.outChannels))
        if let bias {
            Winograd.forward(
                x: x, batch: batch, height: h, width: w, kernel: kernel, bias: bias, relu: relu, y: &y,
                scratch: &scratch, scratchCount: scratch.count, ways: ways)
        } else {
            Winograd.forward(
                x: x, batch: batch, height: h, width: w, kernel: kernel, bias: nil, relu: relu, y: &y,
                scratch: &scratch, scratchCount: scratch.count, ways: ways)
        }
        return y
    }

    /// Sides that are not multiples of 4 (partial tiles at the right and bottom), a batch, both sides of the ReLU.
    func testWinogradForward_OddSidesAndBatch_MatchesDirectConvolution() {
        let (n, h, w, cin, cout) = (2, 9, 6, 16, 24)
        var rng = SeededRandom(seed: 21)
        let x = rng.floats(n * h * w * cin)
        let kernel = rng.floats(9 * cin * cout)
        let bias = rng.floats(cout, -0.5, 0.5)
        let u = WinogradKernel(forward: kernel, inChannels: cin, outChannels: cout)
        for ways in [1, 3] {
            let y = forward(x, batch: n, height: h, width: w, kernel: u, bias: bias, relu: true, ways: ways).map(
                Double.init)
            var naive: [Double] = []
            for b in 0..<n {
                naive += NaiveConvolution.forward(
                    Array(x[(b * h * w * cin)..<((b + 1) * h * w * cin)]), height: h, width: w,
                    inChannels: cin, kernel: kernel, bias: bias, outChannels: cout)
            }
            let err = maxRelativeError(y, naive)
            print("Winograd forward (2×9×6, \(ways) ways) max error \(err)")
            XCTAssertLessThan(err, tolerance)
            XCTAssertGreaterThan(naive.filter { $0 == 0 }.count, 50)
            XCTAssertGreaterThan(naive.filter { $0 > 0 }.count, 50)
        }
    }

    /// The input-gradient kernel (turned 180°, channels swapped) run forward, with no bias or ReLU, is the
    /// transposed convolution.
    func testWinogradInputGradient_MatchesTransposedConvolution() {
        let (h, w, cin, cout) = (7, 10, 8, 16)
        var rng = SeededRandom(seed: 22)
        let dy = rng.floats(h * w * cout)
        let kernel = rng.floats(9 * cin * cout)
        let u = WinogradKernel(inputGradientOf: kernel, inChannels: cin, outChannels: cout)
        XCTAssertEqual([u.inChannels, u.outChannels], [cout, cin])
        let dx = forward(dy, batch: 1, height: h, width: w, kernel: u, bias: nil, relu: false, ways: 2).map(Double.init)
        let naive = NaiveConvolution.backwardInput(
            dy, height: h, width: w, inChannels: cin, kernel: kernel, outChannels: cout)
        let err = maxRelativeError(dx, naive)
        print("Winograd input gradient (7×10) max error \(err)")
        XCTAssertLessThan(err, tolerance)
        XCTAssertGreaterThan(naive.filter { $0 < 0 }.count, 100, "no ReLU: negative gradients must survive")
    }

    /// A layer too large for one chunk (VGG16's block1_conv2 size class) runs in chunks and matches im2col.
    func testWinogradForward_ManyChunks_MatchesIm2col() {
        let (h, w, c) = (180, 176, 64)
        XCTAssertLessThan(
            Winograd.scratchCount(height: h, width: w, inChannels: c, outChannels: c), 45 * 44 * 36 * 2 * c,
            "the layer must run in more than one chunk")
        var rng = SeededRandom(seed: 23)
        let x = rng.floats(h * w * c)
        let kernel = rng.floats(9 * c * c, -0.1, 0.1)
        let bias = rng.floats(c)
        let y = forward(
            x, batch: 1, height: h, width: w, kernel: WinogradKernel(forward: kernel, inChannels: c, outChannels: c),
            bias: bias, relu: true, ways: 2)
        var reference = [Float](repeating: .nan, count: h * w * c)
        var scratch = [Float](repeating: 0, count: Conv3x3.scratchCount(inChannels: c))
        Conv3x3.forward(
            x: x, height: h, width: w, inChannels: c, kernel: kernel, bias: bias, outChannels: c, y: &reference,
            scratch: &scratch)
        let err = maxRelativeError(y.map(Double.init), reference.map(Double.init))
        print("Winograd forward (180×176×64, chunked) max error \(err)")
        XCTAssertLessThan(err, tolerance)
    }

    /// The 2×2 max-pool taken from each output tile as it is made equals the whole output pooled afterwards, exactly:
    /// partial tiles (14 = 4 + 4 + 4 + 2), a batch, 1 and 3 threads, with and without ReLU, on the pipelined path
    /// (small kernels), the chunked one (256 → 256 channels) and 24 output channels (not a multiple of 16).
    func testWinogradForwardPooled_EqualsForwardThenMaxPool() {
        var rng = SeededRandom(seed: 25)
        for (n, h, w, cin, cout) in [(2, 14, 10, 16, 32), (3, 8, 6, 8, 24), (2, 12, 14, 256, 256)] {
            let x = rng.floats(n * h * w * cin)
            let u = WinogradKernel(forward: rng.floats(9 * cin * cout, -0.2, 0.2), inChannels: cin, outChannels: cout)
            let bias = rng.floats(cout, -0.5, 0.5)
            for (relu, ways) in [(true, 1), (false, 3)] {
                let whole = forward(x, batch: n, height: h, width: w, kernel: u, bias: bias, relu: relu, ways: ways)
                var expected = [Float](repeating: .nan, count: whole.count / 4)
                MaxPool2x2.forward(x: whole, height: n * h, width: w, channels: cout, y: &expected)
                var pooled = [Float](repeating: .nan, count: whole.count / 4)
                var scratch = [Float](
                    repeating: .nan,
                    count: Winograd.scratchCount(batch: n, height: h, width: w, inChannels: cin, outChannels: cout))
                Winograd.forward(
                    x: x, batch: n, height: h, width: w, kernel: u, bias: bias, relu: relu, y: &pooled,
                    scratch: &scratch, scratchCount: scratch.count, ways: ways, pool: true)
                XCTAssertEqual(pooled, expected, "\(n)×\(h)×\(w), \(cin) → \(cout), relu \(relu)")
                XCTAssertEqual(expected.filter { $0 < 0 }.isEmpty, relu, "negative maxima only without the ReLU")
            }
        }
    }

    /// Channel counts that are not multiples of 8 (VGG16's first layer has 3 inputs) stay on im2col, and so does any
    /// convolution that is not 3×3, stride 1, padded by one pixel.
    func testWinogradKernels_ChannelsNotMultipleOf8OrNotSame3x3_GiveNoKernel() throws {
        var rng = SeededRandom(seed: 24)
        func conv(_ cin: Int, _ cout: Int, strides: (Int, Int) = (1, 1), padding: Padding = .same) -> Conv2DParameters {
            Conv2DParameters(
                kernel: rng.floats(9 * cin * cout), bias: rng.floats(cout), kernelHeight: 3, kernelWidth: 3,
                inChannels: cin, outChannels: cout, strides: strides, padding: padding, activation: .relu)
        }
        let model = try Model(
            name: "w", format: "test", sourceName: "w", input: TensorShape(8, 8, 3), preprocessing: .none,
            layers: [
                Layer("c0", .conv2D(conv(3, 8))), Layer("c1", .conv2D(conv(8, 16))),
                Layer("c2", .conv2D(conv(16, 16, strides: (2, 2)))),
                Layer("c3", .conv2D(conv(16, 16, padding: .valid))),
            ])
        func parameters(_ i: Int) -> Conv2DParameters {
            guard case .conv2D(let c) = model.layers[i].kind else { preconditionFailure() }
            return c
        }
        let kernels = WinogradKernels()
        XCTAssertNil(kernels.forward(0, parameters(0)))
        XCTAssertNil(kernels.inputGradient(0, parameters(0)))
        XCTAssertEqual(kernels.forward(1, parameters(1))?.u.count, 36 * 8 * 16)
        XCTAssertEqual(kernels.inputGradient(1, parameters(1))?.inChannels, 16)
        XCTAssertTrue(WinogradKernels.fits(parameters(1)))
        for i in [2, 3] {
            XCTAssertFalse(WinogradKernels.fits(parameters(i)), model.layers[i].name)
            XCTAssertNil(kernels.forward(i, parameters(i)), model.layers[i].name)
            XCTAssertNil(kernels.inputGradient(i, parameters(i)), model.layers[i].name)
        }
    }
}
