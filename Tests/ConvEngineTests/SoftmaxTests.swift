import Foundation
import ConvEngine
import XCTest

final class SoftmaxTests: XCTestCase {
    func testGradientOfProbability_MatchesFiniteDifferences() {
        var rng = SeededRandom(seed: 51)
        let z = rng.floats(7, -3, 3)
        let p = Softmax.forward(z)
        var worst = 0.0
        for c in z.indices {
            let analytic = Softmax.gradientOfProbability(p, classIndex: c)
            let fd = FiniteDifferences(x: z, analytic: analytic, eps: 1e-2) { Double(Softmax.forward($0)[c]) }
            XCTAssertEqual(fd.checked, z.count)
            worst = max(worst, fd.maxError)
        }
        print("softmax probability gradient max error \(worst)")
        XCTAssertLessThan(worst, 2e-3)
    }

    func testForward_IsStableForLargeLogitsAndSumsToOne() {
        let p = Softmax.forward([1000, 1000 + log(3), -1000])
        XCTAssertEqual(p[0], 0.25, accuracy: 1e-4)
        XCTAssertEqual(p[1], 0.75, accuracy: 1e-4)
        XCTAssertEqual(p[2], 0)
    }
}
