import ConvEngine
import XCTest

final class GradCAMTests: XCTestCase {
    private let weights = TinyNetwork.randomWeights(seed: 71)
    private lazy var net = VGG16(weights: weights)
    private lazy var acts = try! net.forward(TinyNetwork.randomInput(seed: 72))
    private lazy var classification = try! net.classify(acts)

    func testGradCAM_Map_IsInUnitRangeWithMaximumExactlyOne() throws {
        var positive = 0
        for score in CAMScore.allCases {
            for c in 0..<TinyNetwork.architecture.classes {
                let r = try net.gradCAM(acts, classification: classification, layer: "block3_conv3", classIndex: c, score: score)
                XCTAssertEqual(r.map.count, 8 * 8)
                XCTAssertTrue(r.map.allSatisfy { $0 >= 0 && $0 <= 1 }, "\(score) class \(c)")
                // The map is ReLU(Σ α_k A_k) / max, recomputed here from the reported α.
                let a = acts.layers[Architecture.hiddenLayerNames.firstIndex(of: "block3_conv3")!]
                let raw = (0..<64).map { p in max((0..<4).reduce(Float(0)) { $0 + r.weights[$1] * a.data[p * 4 + $1] }, 0) }
                XCTAssertEqual(r.rawMaximum, raw.max()!, accuracy: 1e-5 * max(1, raw.max()!))
                if r.rawMaximum > 0 {
                    positive += 1
                    XCTAssertEqual(r.map.max(), 1, "\(score) class \(c)")
                    XCTAssertEqual(r.map.map(Double.init), raw.map { Double($0 / r.rawMaximum) }, accuracy: 1e-5)
                } else {
                    XCTAssertEqual(r.map, [Float](repeating: 0, count: 64))
                }
            }
        }
        XCTAssertGreaterThan(positive, 4, "most classes must give a non-empty map")
    }

    /// α_k is the spatial mean of ∂score/∂A_k: shifting all of channel k by t changes the score by hw·α_k·t.
    func testGradCAM_ChannelWeights_MatchFiniteDifferences() throws {
        let target = Architecture.hiddenLayerNames.firstIndex(of: "block4_conv3")!
        let a = acts.layers[target], hw = a.height * a.width
        for score in CAMScore.allCases {
            let r = try net.gradCAM(acts, classification: classification, layer: "block4_conv3", classIndex: 1, score: score)
            XCTAssertGreaterThan(r.weights.map(abs).max()!, 1e-4)
            let fd = FiniteDifferences(x: [Float](repeating: 0, count: a.channels), analytic: r.weights.map { $0 * Float(hw) }, eps: 1e-3) { t in
                var shifted = a
                for p in 0..<hw { for k in 0..<a.channels { shifted.data[p * a.channels + k] += t[k] } }
                return TinyNetwork.score(score, classIndex: 1, from: target + 1, input: shifted, weights: self.weights)
            }
            print("grad-cam channel weights (\(score)) max error \(fd.maxError) (\(fd.checked) checked)")
            XCTAssertLessThan(fd.maxError, 2e-3)  // Float network, eps 1e-3: rounding dominates
            XCTAssertGreaterThanOrEqual(fd.checked, a.channels - 1)
        }
    }

    func testGradCAM_ZeroClassifierWeights_GiveAllZeroMapWithoutNaN() throws {
        var w = weights
        for i in 0..<3 { w.classifier![i].kernel = [Float](repeating: 0, count: w.classifier![i].kernel.count) }
        let zeroNet = VGG16(weights: w)
        let c = try zeroNet.classify(acts)
        for score in CAMScore.allCases {
            let r = try zeroNet.gradCAM(acts, classification: c, layer: "block5_conv3", classIndex: 0, score: score)
            XCTAssertEqual(r.map, [Float](repeating: 0, count: 2 * 2))
            XCTAssertEqual(r.weights, [Float](repeating: 0, count: 5))
            XCTAssertEqual(r.rawMaximum, 0)
            XCTAssertFalse(r.map.contains { $0.isNaN })
        }
    }

    func testGradCAM_NoClassGiven_UsesTopClass() throws {
        let top = classification.top(1)[0].index
        let r = try net.gradCAM(acts, classification: classification)
        XCTAssertEqual(r.classIndex, top)
        XCTAssertEqual(r.layer.name, "block5_conv3")
        XCTAssertEqual(r.scoreValue, classification.logits[top])
        XCTAssertEqual(classification.probabilities.firstIndex(of: classification.probabilities.max()!), top)
    }

    func testGradCAM_UnknownLayer_ThrowsUnknownLayer() {
        for name in ["fc1", "block6_conv1", ""] {
            XCTAssertThrowsError(try net.gradCAM(acts, classification: classification, layer: name)) { error in
                XCTAssertEqual(error as? EngineError, .unknownLayer(name))
            }
        }
    }

    func testGradCAM_ClassOutOfRange_ThrowsClassOutOfRange() {
        for c in [7, -1] {
            XCTAssertThrowsError(try net.gradCAM(acts, classification: classification, classIndex: c)) { error in
                XCTAssertEqual(error as? EngineError, .classOutOfRange(c, classes: 7))
            }
        }
    }

    func testGradCAM_Backbone_ThrowsNoClassifier() {
        let backbone = VGG16(weights: TinyNetwork.randomWeights(seed: 71, classifier: false))
        XCTAssertThrowsError(try backbone.classify(acts)) { error in
            XCTAssertEqual(error as? EngineError, .noClassifier(weights: "tiny-71"))
        }
        XCTAssertThrowsError(try backbone.gradCAM(acts, classification: classification, classIndex: 0)) { error in
            XCTAssertEqual(error as? EngineError, .noClassifier(weights: "tiny-71"))
        }
    }
}
