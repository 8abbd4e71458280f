import ConvEngine
import XCTest

final class MaxPool2x2BackwardTests: XCTestCase {
    func testBackward_WithoutTies_MatchesFiniteDifferences() {
        let (h, w, c) = (6, 4, 3)
        var rng = SeededRandom(seed: 31)
        // Distinct values 0.1 apart: no ties, and ±eps never changes a window's maximum.
        let x = (0..<(h * w * c)).map { Float($0) * 0.1 - 3 }.shuffled(using: &rng)
        let weights = rng.floats(h * w * c / 4)
        func forward(_ x: [Float]) -> [Float] {
            var y = [Float](repeating: 0, count: h * w * c / 4)
            MaxPool2x2.forward(x: x, height: h, width: w, channels: c, y: &y)
            return y
        }
        var dx = [Float](repeating: .nan, count: x.count)
        MaxPool2x2.backward(dy: weights, x: x, height: h, width: w, channels: c, dx: &dx)
        XCTAssertEqual(dx.filter { $0 != 0 }.count, weights.count, "one winner per window and channel")

        let fd = FiniteDifferences(x: x, analytic: dx, eps: 1e-2) { v in
            zip(forward(v), weights).reduce(0) { $0 + Double($1.0) * Double($1.1) }
        }
        print("maxpool backward max error \(fd.maxError) (\(fd.checked) checked)")
        XCTAssertLessThan(fd.maxError, 1e-4)
        XCTAssertEqual(fd.skipped, 0)
    }

    func testBackward_TiedWindow_SendsGradientToFirstMaximumInRowMajorOrder() {
        // One 2×2 window, 2 channels: channel 0 all tied, channel 1 tied between bottom-left and bottom-right.
        let x: [Float] = [1, 0,  1, 0,
                          1, 5,  1, 5]
        var dx = [Float](repeating: .nan, count: 8)
        MaxPool2x2.backward(dy: [2, 3], x: x, height: 2, width: 2, channels: 2, dx: &dx)
        XCTAssertEqual(dx, [2, 0, 0, 0, 0, 3, 0, 0])
    }

    /// 19 channels (two vectors of 8 and a tail of 3), values from four levels so most windows tie somewhere: every
    /// gradient lands where the one-channel-at-a-time rule puts it, and nowhere else, on 1 or 3 threads.
    func testBackward_ManyChannelsWithTies_MatchesTheRuleChannelByChannel() {
        let (h, w, c) = (6, 8, 19)
        var rng = SeededRandom(seed: 37)
        let x = (0..<(h * w * c)).map { _ in Float(Int.random(in: 0..<4, using: &rng)) }
        let dy = rng.floats(h * w * c / 4)
        var expected = [Float](repeating: 0, count: x.count)
        for oy in 0..<(h / 2) {
            for ox in 0..<(w / 2) {
                for ch in 0..<c {
                    let window = [(0, 0), (0, 1), (1, 0), (1, 1)].map { ((2 * oy + $0) * w + 2 * ox + $1) * c + ch }
                    var best = window[0]
                    for i in window.dropFirst() where x[i] > x[best] { best = i }
                    expected[best] = dy[(oy * (w / 2) + ox) * c + ch]
                }
            }
        }
        for ways in [1, 3] {
            var dx = [Float](repeating: .nan, count: x.count)
            MaxPool2x2.backward(dy: dy, x: x, height: h, width: w, channels: c, dx: &dx, ways: ways)
            XCTAssertEqual(dx, expected, "\(ways) threads")
        }
    }
}
