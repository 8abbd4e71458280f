import ConvEngine
import XCTest

final class Conv3x3ForwardTests: XCTestCase {
    private func run(
        height h: Int, width w: Int, inChannels cin: Int, outChannels cout: Int, seed: UInt64
    ) -> (engine: [Double], naive: [Double]) {
        var rng = SeededRandom(seed: seed)
        let x = rng.floats(h * w * cin)
        let kernel = rng.floats(9 * cin * cout)
        let bias = rng.floats(cout, -0.5, 0.5)
        var y = [Float](repeating: .nan, count: h * w * cout)
        var scratch = [Float](repeating: 0, count: Conv3x3.scratchCount(inChannels: cin))
        Conv3x3.forward(
            x: x, height: h, width: w, inChannels: cin, kernel: kernel, bias: bias, outChannels: cout, y: &y,
            scratch: &scratch)
        return (
            y.map(Double.init),
            NaiveConvolution.forward(
                x, height: h, width: w, inChannels: cin, kernel: kernel, bias: bias, outChannels: cout)
        )
    }

    func testForward_SmallImage_MatchesDirectConvolutionIncludingBorder() {
        let (h, w, cout) = (5, 7, 4)
        let (engine, naive) = run(height: h, width: w, inChannels: 3, outChannels: cout, seed: 11)
        let err = maxRelativeError(engine, naive)
        print("conv forward (5×7) max error \(err)")
        XCTAssertLessThan(err, 1e-5)
        // Both sides of the ReLU are exercised, and every border pixel (where padding enters) is compared too.
        XCTAssertGreaterThan(naive.filter { $0 == 0 }.count, 5)
        XCTAssertGreaterThan(naive.filter { $0 > 0 }.count, 5)
        XCTAssertEqual(engine.count, h * w * cout)
    }

    func testForward_MoreThanOneChunk_MatchesDirectConvolution() {
        let (h, w) = (48, 48)  // 2304 pixels: one full chunk of 2048 and a partial one
        XCTAssertGreaterThan(h * w, Conv3x3.chunkRows, "the image must span two im2col chunks")
        let (engine, naive) = run(height: h, width: w, inChannels: 2, outChannels: 3, seed: 12)
        let err = maxRelativeError(engine, naive)
        print("conv forward (48×48, 2 chunks) max error \(err)")
        XCTAssertLessThan(err, 1e-5)
    }

    /// VGG16's first convolution's shape (3 → 64): on AVX-512 the engine's packed GEMM with bias and ReLU; 45×47 =
    /// 2115 pixels span two im2col chunks and end in a partial 8-row block. Run under CONVSCOPE_KERNELS=baseline too.
    func testForward_FirstLayerShape_MatchesDirectConvolutionOnEveryKernelPath() {
        let (engine, naive) = run(height: 45, width: 47, inChannels: 3, outChannels: 64, seed: 13)
        let err = maxRelativeError(engine, naive)
        print("conv forward (45×47, 3 → 64) max error \(err)")
        XCTAssertLessThan(err, 1e-5)
        XCTAssertGreaterThan(naive.filter { $0 == 0 }.count, 1000, "the ReLU is exercised")
    }
}
