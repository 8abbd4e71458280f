import ConvEngine
import XCTest

/// ∂score/∂(a hidden layer's output) from `Classification.scoreGradient` + `Runner.backward`, against perturbing that
/// layer's output and re-running the rest of the tiny network by hand.
final class VGG16GradientTests: XCTestCase {
    private let model = TinyNetwork.randomModel(seed: 61)
    private lazy var runner = Runner(model: model)
    private lazy var input = TinyNetwork.randomInput(seed: 62)

    private func hiddenIndex(_ name: String) -> Int { model.hiddenLayers.firstIndex { $0.name == name }! }

    /// The engine's gradient with respect to the output of hidden layer `target` (−1: the input).
    private func engineGradient(at target: Int, classIndex: Int, score: CAMScore) throws -> (Activations, [Float]) {
        let acts = try runner.forward(input)
        let g = try runner.classify(acts).scoreGradient(classIndex, score)
        let to = target < 0 ? -1 : model.hiddenLayers[target].last
        return (acts, runner.backward(g, from: model.layers.count - 1, to: to, activations: acts))
    }

    private func check(
        layer target: Int, classIndex: Int, score: CAMScore, coordinates: [Int]? = nil, label: String
    ) throws -> FiniteDifferences {
        let (acts, g) = try engineGradient(at: target, classIndex: classIndex, score: score)
        let x = target < 0 ? acts.input : acts.layers[target]
        XCTAssertGreaterThan(g.reduce(0) { max($0, abs($1)) }, 1e-4, "the gradient must not be vacuous")
        let fd = FiniteDifferences(x: x.data, analytic: g, coordinates: coordinates, eps: 1e-2) { v in
            TinyNetwork.score(
                score, classIndex: classIndex, from: target + 1,
                input: FeatureMap(height: x.height, width: x.width, channels: x.channels, data: v), model: self.model)
        }
        print("\(label) max error \(fd.maxError) (\(fd.checked) checked, \(fd.skipped) at kinks)")
        return fd
    }

    /// The test-side forward pass agrees with the runner's, so the finite differences below differentiate the model run.
    func testTestSideForward_MatchesRunnerLogits() throws {
        let acts = try runner.forward(input)
        let mine = TinyNetwork.logits(from: 0, input: input, model: model).logits
        XCTAssertLessThan(maxAbsoluteDifference(mine, try runner.classify(acts).logits), 1e-5)
    }

    func testScoreGradient_AtLastPool_MatchesFiniteDifferencesForLogitAndProbability() throws {
        XCTAssertEqual(model.hiddenLayers.last?.name, "block5_pool")
        for score in CAMScore.allCases {
            for c in [0, 3, 6] {
                let fd = try check(
                    layer: model.hiddenLayers.count - 1, classIndex: c, score: score,
                    label: "score gradient (\(score), class \(c))")
                XCTAssertLessThan(fd.maxError, 1e-3)
                XCTAssertEqual(fd.checked + fd.skipped, TinyNetwork.architecture.flattenSize)
                XCTAssertGreaterThanOrEqual(fd.checked, 3)
            }
        }
    }

    func testBackward_LogitAtBlock2Conv2_MatchesFiniteDifferences() throws {
        let fd = try check(
            layer: hiddenIndex("block2_conv2"), classIndex: 2, score: .logit, label: "backward to block2_conv2 (logit)")
        XCTAssertLessThan(fd.maxError, 1e-3)
        XCTAssertGreaterThan(fd.checked, 16 * 16 * 3 / 2)  // the rest straddle a ReLU or pool switch
    }

    func testBackward_ProbabilityAtBlock2Conv2_MatchesFiniteDifferences() throws {
        let fd = try check(
            layer: hiddenIndex("block2_conv2"), classIndex: 5, score: .probability,
            label: "backward to block2_conv2 (probability)")
        XCTAssertLessThan(fd.maxError, 1e-3)
        XCTAssertGreaterThan(fd.checked, 16 * 16 * 3 / 2)  // the rest straddle a ReLU or pool switch
    }

    /// All 18 hidden layers and the classifier, down to the input; a seeded sample of input coordinates keeps it fast.
    func testBackward_LogitAtInput_MatchesFiniteDifferences() throws {
        var rng = SeededRandom(seed: 63)
        let n = TinyNetwork.architecture.inputSize
        let sample = (0..<200).map { _ in Int.random(in: 0..<(n * n * 3), using: &rng) }
        let fd = try check(
            layer: -1, classIndex: 4, score: .logit, coordinates: sample, label: "backward to input (logit)")
        XCTAssertLessThan(fd.maxError, 1e-3)
        XCTAssertGreaterThan(fd.checked, 100)
    }
}
