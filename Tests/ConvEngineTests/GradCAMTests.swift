import ConvEngine
import XCTest

final class GradCAMTests: XCTestCase {
    private let model = TinyNetwork.randomModel(seed: 71)
    private lazy var runner = Runner(model: model)
    private lazy var input = TinyNetwork.randomInput(seed: 72)
    private lazy var acts = try! runner.forward(input)
    private lazy var classification = try! runner.classify(acts)

    private func hiddenIndex(_ name: String) -> Int { model.hiddenLayers.firstIndex { $0.name == name }! }

    func testGradCAM_Map_IsInUnitRangeWithMaximumExactlyOne() throws {
        var positive = 0
        for score in CAMScore.allCases {
            for c in 0..<TinyNetwork.architecture.classes {
                let r = try runner.gradCAM(
                    acts, classification: classification, layer: "block3_conv3", classIndex: c, score: score)
                XCTAssertEqual(r.map.count, 8 * 8)
                XCTAssertTrue(r.map.allSatisfy { $0 >= 0 && $0 <= 1 }, "\(score) class \(c)")
                // The map is ReLU(Σ α_k A_k) / max, recomputed here from the reported α.
                let a = acts.layers[hiddenIndex("block3_conv3")]
                let raw = (0..<64).map { p in
                    max((0..<4).reduce(Float(0)) { $0 + r.weights[$1] * a.data[p * 4 + $1] }, 0)
                }
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
        let target = hiddenIndex("block4_conv3")
        let a = acts.layers[target]
        let hw = a.height * a.width
        for score in CAMScore.allCases {
            let r = try runner.gradCAM(
                acts, classification: classification, layer: "block4_conv3", classIndex: 1, score: score)
            XCTAssertGreaterThan(r.weights.map(abs).max()!, 1e-4)
            let fd = FiniteDifferences(
                x: [Float](repeating: 0, count: a.channels), analytic: r.weights.map { $0 * Float(hw) }, eps: 1e-3
            ) { t in
                var shifted = a
                for p in 0..<hw { for k in 0..<a.channels { shifted.data[p * a.channels + k] += t[k] } }
                return TinyNetwork.score(score, classIndex: 1, from: target + 1, input: shifted, model: self.model)
            }
            print("grad-cam channel weights (\(score)) max error \(fd.maxError) (\(fd.checked) checked)")
            XCTAssertLessThan(fd.maxError, 2e-3)  // Float network, eps 1e-3: rounding dominates
            XCTAssertGreaterThanOrEqual(fd.checked, a.channels - 1)
        }
    }

    func testGradCAM_ZeroClassifierWeights_GiveAllZeroMapWithoutNaN() throws {
        let zeroModel = try TinyNetwork.editing(model) { layers in
            for i in layers.indices {
                guard case .dense(var d) = layers[i].kind else { continue }
                d.kernel = [Float](repeating: 0, count: d.kernel.count)
                layers[i].kind = .dense(d)
            }
        }
        XCTAssertTrue(zeroModel.hasClassifier)
        let zeroRunner = Runner(model: zeroModel)
        let zeroActs = try zeroRunner.forward(input)
        let c = try zeroRunner.classify(zeroActs)
        for score in CAMScore.allCases {
            let r = try zeroRunner.gradCAM(
                zeroActs, classification: c, layer: "block5_conv3", classIndex: 0, score: score)
            XCTAssertEqual(r.map, [Float](repeating: 0, count: 2 * 2))
            XCTAssertEqual(r.weights, [Float](repeating: 0, count: 5))
            XCTAssertEqual(r.rawMaximum, 0)
            XCTAssertFalse(r.map.contains { $0.isNaN })
        }
    }

    func testGradCAM_NoClassGiven_UsesTopClassAtLastConvolution() throws {
        let top = classification.top(1)[0].index
        let r = try runner.gradCAM(acts, classification: classification)
        XCTAssertEqual(r.classIndex, top)
        XCTAssertEqual(r.layer.name, "block5_conv3")
        XCTAssertEqual(model.lastConvolution?.name, "block5_conv3")
        XCTAssertEqual(r.scoreValue, classification.logits[top])
        XCTAssertEqual(classification.probabilities.firstIndex(of: classification.probabilities.max()!), top)
    }

    /// A layer may be given by its 1-based number among the hidden layers.
    func testGradCAM_LayerByNumber_IsThatHiddenLayer() throws {
        let byName = try runner.gradCAM(acts, classification: classification, layer: "block4_conv3", classIndex: 2)
        let byNumber = try runner.gradCAM(
            acts, classification: classification, layer: "\(hiddenIndex("block4_conv3") + 1)", classIndex: 2)
        XCTAssertEqual(byNumber.layer, byName.layer)
        XCTAssertEqual(byNumber.map, byName.map)
    }

    func testGradCAM_UnknownLayer_ThrowsUnknownLayerListingTheLayers() {
        let names = TinyArchitecture.hiddenLayerNames
        XCTAssertEqual(model.hiddenLayers.map(\.name), names)
        for name in ["fc1", "block6_conv1", "", "0", "19"] {
            XCTAssertThrowsError(try runner.gradCAM(acts, classification: classification, layer: name)) { error in
                XCTAssertEqual(error as? EngineError, .unknownLayer(name, known: names))
                XCTAssertEqual(
                    "\(error)",
                    "no hidden layer named \(name); give a name or a number 1…18: \(names.joined(separator: ", "))")
            }
        }
    }

    func testGradCAM_ClassOutOfRange_ThrowsClassOutOfRange() {
        for c in [7, -1] {
            XCTAssertThrowsError(try runner.gradCAM(acts, classification: classification, classIndex: c)) { error in
                XCTAssertEqual(error as? EngineError, .classOutOfRange(c, classes: 7))
            }
        }
    }

    func testGradCAM_Backbone_ThrowsNoClassifier() throws {
        let backbone = Runner(model: TinyNetwork.randomModel(seed: 71, classifier: false))
        let backboneActs = try backbone.forward(input)
        XCTAssertThrowsError(try backbone.classify(backboneActs)) { error in
            XCTAssertEqual(error as? EngineError, .noClassifier(model: "tiny-71"))
        }
        XCTAssertThrowsError(try backbone.gradCAM(backboneActs, classification: classification, classIndex: 0)) {
            error in
            XCTAssertEqual(error as? EngineError, .noClassifier(model: "tiny-71"))
        }
    }
}
