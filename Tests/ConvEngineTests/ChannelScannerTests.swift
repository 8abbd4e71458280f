import XCTest

@testable import ConvEngine

final class ChannelScannerTests: XCTestCase {
    /// Channel c's largest value and its first position (row-major), by the plain definition.
    static func naive(_ map: [Float], pixels: Int, channels: Int) -> (values: [Float], positions: [Int32]) {
        var values = [Float](repeating: -.infinity, count: channels)
        var positions = [Int32](repeating: 0, count: channels)
        for c in 0..<channels {
            for p in 0..<pixels where map[p * channels + c] > values[c] {
                values[c] = map[p * channels + c]
                positions[c] = Int32(p)
            }
        }
        return (values, positions)
    }

    /// Coarse values (many ties), channel counts that are and are not multiples of 8, maps split over 1–3 threads.
    func testChannelMaxima_MatchesThePlainScanWithTies() {
        var rng = SeededRandom(seed: 2)
        for (pixels, channels) in [(1, 3), (70, 8), (300, 13), (1000, 64), (129, 1)] {
            let n = 3
            let maps = (0..<(n * pixels * channels)).map { _ in Float(Int.random(in: -3...3, using: &rng)) }
            for ways in 1...3 {
                var best = [Float](repeating: 0, count: n * channels)
                var at = [Int32](repeating: 0, count: n * channels)
                maps.withUnsafeBufferPointer { x in
                    ChannelMaxima.scan(
                        x.baseAddress!, count: n, pixels: pixels, channels: channels, ways: ways,
                        best: &best, at: &at)
                }
                for i in 0..<n {
                    let ref = Self.naive(
                        Array(maps[(i * pixels * channels)..<((i + 1) * pixels * channels)]),
                        pixels: pixels, channels: channels)
                    let mine = (i * channels)..<((i + 1) * channels)
                    let what = "\(pixels)×\(channels) ways \(ways)"
                    XCTAssertEqual(Array(best[mine]), ref.values, what)
                    XCTAssertEqual(Array(at[mine]), ref.positions, what)
                }
            }
        }
    }

    /// The scanner's maxima are those of the runner's own forward pass, image by image, for a batch of any size.
    func testChannelScanner_MatchesTheForwardPassForEveryBatchSize() throws {
        let model = TinyNetwork.randomModel(seed: 4, classifier: true)
        let hidden = model.hiddenLayers
        let chosen = [hidden[0], hidden[4], hidden[16], hidden[2]]  // any order; a pool among them
        let inputs = (0..<5).map { TinyNetwork.randomInput(seed: UInt64(40 + $0)) }
        let runner = Runner(model: model)
        let expected: [ImageMaxima] = try inputs.map { x in
            let a = try runner.forward(x)
            var values: [Float] = []
            var positions: [Int32] = []
            for l in chosen {
                let r = Self.naive(a.layer(l.index).data, pixels: l.height * l.width, channels: l.channels)
                values += r.values
                positions += r.positions
            }
            return ImageMaxima(values: values, positions: positions)
        }
        for batch in [1, 2, 5] {
            let scanner = try ChannelScanner(model: model, layers: chosen, batch: batch)
            var got: [ImageMaxima] = []
            var start = 0
            while start < inputs.count {
                let n = min(batch, inputs.count - start)
                got += scanner.scan(inputs[start..<start + n].flatMap(\.data), count: n)
                start += n
            }
            // A batch runs OpenBLAS's GEMMs at other sizes, whose kernels (SkylakeX, Cooperlake) may block and so
            // round differently from one image's: the same maxima to float32's last bits, at the same positions.
            XCTAssertEqual(got.map(\.positions), expected.map(\.positions), "batch \(batch)")
            for (g, e) in zip(got, expected) {
                for (a, b) in zip(g.values, e.values) {
                    XCTAssertEqual(a, b, accuracy: 1e-6 * max(1, abs(b)), "batch \(batch)")
                }
            }
        }
    }
}
