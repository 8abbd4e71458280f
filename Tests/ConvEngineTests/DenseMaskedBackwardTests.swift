import XCTest

@testable import ConvEngine

/// The dense layer's backward reads only the kernel rows under non-zero inputs when a ReLU below zeroes the rest:
/// the gradient at every layer below it must equal the full computation's, exactly where it is kept.
final class DenseMaskedBackwardTests: XCTestCase {
    private let model = TinyNetwork.randomModel(seed: 71)
    private lazy var runner = Runner(model: model)

    func testMaskedBackward_EqualsFullBackwardBelowTheReLU() throws {
        let acts = try runner.forward(TinyNetwork.randomInput(seed: 72))
        let top = model.layers.count - 1
        let g = try runner.classify(acts).scoreGradient(1, .logit)
        let convs = model.layers.indices.filter {
            if case .conv2D = model.layers[$0].kind { return true } else { return false }
        }
        var masked = 0
        for target in [convs.last!, convs.first!, -1] {
            for rule in ReLURule.allCases {
                let fast = runner.backward(g, from: top, to: target, activations: acts, rule: rule)
                let full = runner.backward(g, from: top, to: target, activations: acts, rule: rule, sparseDense: false)
                XCTAssertLessThan(maxAbsoluteDifference(fast, full), 1e-6, "to \(target), \(rule)")
                XCTAssertGreaterThan(full.reduce(0) { max($0, abs($1)) }, 0, "a gradient that is not vacuous")
            }
        }
        for i in model.layers.indices {
            if case .dense = model.layers[i].kind,
                runner.denseInputGradientIsMasked(i, rule: .plain, stopsAt: convs.last!)
            {
                masked += 1
            }
        }
        XCTAssertGreaterThan(masked, 0, "the test crosses a masked dense layer")
    }

    func testMasking_OffAtThePoolItselfAndForDeconvnet() {
        let dense = model.layers.indices.first {
            if case .dense = model.layers[$0].kind { return true } else { return false }
        }!
        XCTAssertFalse(
            runner.denseInputGradientIsMasked(dense, rule: .plain, stopsAt: dense - 1), "the caller wants every entry")
        XCTAssertFalse(runner.denseInputGradientIsMasked(dense, rule: .deconvnet, stopsAt: -1))
    }
}
