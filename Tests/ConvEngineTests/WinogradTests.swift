import XCTest

@testable import ConvEngine

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

    /// The kernel transformed straight into the GEMM's panels holds the same floats in the same places as the plain
    /// transform packed afterwards into `cs_wino_gemm`'s panels, for 32-wide panels (AVX-512) and 8 output channels at
    /// a time crossing panel edges.
    func testWinogradKernel_TransformedIntoPanels_EqualsPackedPlainTransform() {
        let (cin, cout, width) = (16, 64, 32)
        var rng = SeededRandom(seed: 7)
        let g = rng.floats(9 * cin * cout)
        let (plain, panels) = g.withUnsafeBufferPointer {
            (
                WinogradKernel.transform($0, inChannels: cin, outChannels: cout, panelWidth: 0),
                WinogradKernel.transform($0, inChannels: cin, outChannels: cout, panelWidth: width)
            )
        }
        var packed = [Float](repeating: .nan, count: plain.count)
        for p in 0..<36 {
            for panel in 0..<(cout / width) {
                for ci in 0..<cin {
                    for j in 0..<width {
                        packed[p * cin * cout + (panel * cin + ci) * width + j] =
                            plain[(p * cin + ci) * cout + panel * width + j]
                    }
                }
            }
        }
        XCTAssertEqual(panels, packed)
        XCTAssertNotEqual(plain, panels, "the layouts differ, so the test can tell them apart")
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

    /// The adjoint of the forward pass (`Winograd.backwardInput`, the forward kernel read transposed) against the
    /// direct transposed convolution (`Conv3x3.backwardInput`): odd sides (partial tiles), batches, the pipelined
    /// path (small kernels), the chunked one (256 → 128 channels), chunks cut inside a tile row (a scratch of 5 tiles),
    /// channel counts that are not multiples of 16 or of the panel width, 1 and 3 threads. Errors are relative to the
    /// largest gradient; a wrong tile, window or overlap errs by O(1).
    func testWinogradBackwardInput_MatchesDirectTransposedConvolution() {
        var rng = SeededRandom(seed: 22)
        let shapes = [
            (1, 7, 9, 8, 16, 0), (2, 14, 14, 16, 64, 0), (2, 14, 14, 64, 8, 0), (2, 9, 7, 24, 32, 0),
            (1, 12, 10, 256, 128, 0), (2, 11, 13, 256, 128, 5), (1, 13, 6, 32, 64, 5), (1, 224, 224, 64, 64, 0),
        ]
        for (n, h, w, cin, cout, tilesOfScratch) in shapes {
            let dy = rng.floats(n * h * w * cout)
            let kernel = rng.floats(9 * cin * cout)
            var reference = [Float](repeating: .nan, count: n * h * w * cin)
            var im2col = [Float](repeating: 0, count: Conv3x3.scratchCount(inChannels: cin))
            Conv3x3.backwardInput(
                dy: dy, batch: n, height: h, width: w, inChannels: cin, kernel: kernel, outChannels: cout,
                dx: &reference, scratch: &im2col)
            let u = WinogradKernel(forward: kernel, inChannels: cin, outChannels: cout)
            XCTAssertTrue(reference.allSatisfy(\.isFinite))
            let scale = Double(reference.map(abs).max()!)
            for ways in h > 100 ? [2] : [1, 3] {
                var dx = [Float](repeating: .nan, count: reference.count)
                let full = Winograd.scratchCount(batch: n, height: h, width: w, inChannels: cin, outChannels: cout)
                var scratch = [Float](
                    repeating: .nan, count: tilesOfScratch > 0 ? tilesOfScratch * 36 * (cin + cout) : full)
                Winograd.backwardInput(
                    dy: dy, batch: n, height: h, width: w, kernel: u, dx: &dx, scratch: &scratch,
                    scratchCount: scratch.count, ways: ways)
                XCTAssertTrue(dx.allSatisfy(\.isFinite), "every gradient written")
                let err = zip(dx, reference).reduce(0.0) { max($0, abs(Double($1.0) - Double($1.1))) } / scale
                print("Winograd backward input \(n)×\(h)×\(w), \(cin) ← \(cout), \(ways) ways: max error \(err)")
                XCTAssertLessThan(err, 1e-5, "\(n)×\(h)×\(w), \(cin) ← \(cout), \(ways) ways")
            }
        }
    }

    /// Runs of whole tile rows: every tile once, cuts only at row starts inside the range, and runs two apart a
    /// whole tile row apart.
    func testWinogradRowRuns_CutAtRowStarts() {
        for (range, tilesX, pieces) in [(0..<49, 7, 4), (5..<30, 4, 6), (3..<6, 8, 4), (0..<3136, 56, 4)] {
            let runs = Winograd.rowRuns(range, tilesX: tilesX, pieces: pieces)
            XCTAssertEqual(runs.first?.lowerBound, range.lowerBound)
            XCTAssertEqual(runs.last?.upperBound, range.upperBound)
            XCTAssertLessThanOrEqual(runs.count, pieces)
            for (a, b) in zip(runs, runs.dropFirst()) {
                XCTAssertEqual(a.upperBound, b.lowerBound)
                XCTAssertEqual(b.lowerBound % tilesX, 0, "\(runs)")
            }
            for (a, c) in zip(runs, runs.dropFirst(2)) {
                XCTAssertGreaterThanOrEqual(c.lowerBound / tilesX - (a.upperBound - 1) / tilesX, 2, "\(runs)")
            }
        }
        XCTAssertEqual(Winograd.rowRuns(0..<3136, tilesX: 56, pieces: 4).map(\.count), [784, 784, 784, 784])
    }

    /// The rows the even runs zero (the pipelined backward pass zeroes dx as it goes) cover every row of the batch
    /// once: heights with a last tile row of 1, 2, 3 or 4 pixels, one or many tile rows per run.
    func testWinogradZeroedRows_CoverEveryRowOnce() {
        let cases = [(2, 9, 7, 6), (1, 13, 6, 6), (3, 10, 8, 4), (2, 12, 5, 2), (2, 3, 8, 6), (1, 224, 224, 4)]
        for (batch, h, w, pieces) in cases {
            let shape = Winograd.Shape(height: h, width: w)
            let runs = Winograd.rowRuns(0..<shape.tiles(batch: batch), tilesX: shape.tilesX, pieces: pieces)
            let rows = stride(from: 0, to: runs.count, by: 2).map { Winograd.zeroedRows(runs, $0, shape, batch: batch) }
            XCTAssertEqual(rows.first?.lowerBound, 0)
            XCTAssertEqual(rows.last?.upperBound, batch * h, "\(runs) → \(rows)")
            for (a, b) in zip(rows, rows.dropFirst()) {
                XCTAssertEqual(a.upperBound, b.lowerBound, "\(runs) → \(rows)")
            }
        }
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
        XCTAssertEqual(kernels.forward(1, parameters(1))?.u.count, 36 * 8 * 16)
        XCTAssertTrue(WinogradKernels.fits(parameters(1)))
        for i in [2, 3] {
            XCTAssertFalse(WinogradKernels.fits(parameters(i)), model.layers[i].name)
            XCTAssertNil(kernels.forward(i, parameters(i)), model.layers[i].name)
        }
    }
}
