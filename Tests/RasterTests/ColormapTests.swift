import XCTest
@testable import Raster

final class ColormapTests: XCTestCase {
    private func assertJet(_ t: Float, _ expected: (UInt8, UInt8, UInt8), line: UInt = #line) {
        let got = Colormap.jet(t)
        XCTAssert(got == expected, "jet(\(t)) = \(got), matplotlib says \(expected)", line: line)
    }

    func testJet_MatchesMatplotlibBytes() {
        // matplotlib.colormaps["jet"](t, bytes=True)
        assertJet(0, (0, 0, 127))
        assertJet(0.1, (0, 0, 241))
        assertJet(0.25, (0, 128, 255))
        assertJet(0.3, (0, 176, 255))
        assertJet(0.5, (124, 255, 121))
        assertJet(0.75, (255, 148, 0))
        assertJet(0.9, (241, 7, 0))
        assertJet(1, (127, 0, 0))
    }

    func testJet_WholeTableMatchesMatplotlibSums() {
        // Per channel over all 256 entries of matplotlib's jet bytes: Σ v and Σ i·v.
        let table = Colormap.jetTable
        for (c, (sum, weighted)) in [(30408, 5678296), (34073, 4460041), (30410, 2075967)].enumerated() {
            let values = (0..<256).map { Int(table[$0 * 3 + c]) }
            XCTAssertEqual(values.reduce(0, +), sum, "channel \(c)")
            XCTAssertEqual(values.enumerated().map { $0.offset * $0.element }.reduce(0, +), weighted, "channel \(c)")
        }
        assertJet(100.5 / 256, (34, 255, 212))
        assertJet(200.5 / 256, (255, 118, 0))
    }

    func testJet_ClampsOutOfRangeAndNaN() {
        assertJet(-3, (0, 0, 127))
        assertJet(7, (127, 0, 0))
        assertJet(.infinity, (127, 0, 0))
        assertJet(.nan, (0, 0, 127))
    }

    func testColorBar_HasOneAtTheTop() {
        let bar = Colormap.colorBar(width: 3, height: 11)
        XCTAssert(bar[2, 0] == (127, 0, 0, 255))
        XCTAssert(bar[0, 5] == (124, 255, 121, 255))
        XCTAssert(bar[1, 10] == (0, 0, 127, 255))
    }
}
