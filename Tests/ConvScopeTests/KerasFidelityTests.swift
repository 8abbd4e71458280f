import ConvEngine
import Platform
import Raster
import XCTest

/// The engine against Keras 3 on the same weights and input (numbers from Tests/Golden/make_golden.py).
final class KerasFidelityTests: XCTestCase {
    struct Golden: Decodable {
        struct Layer: Decodable {
            let name: String
            let shape: [Int]
            let max_abs: Float
            let channel_means: [Float]
            let sample_index: [Int]
            let sample_value: [Float]
        }
        struct Dense: Decodable {
            let max_abs: Float
            let first: [Float]
        }
        struct Top: Decodable {
            let index: Int
            let probability: Float
        }
        struct CAM: Decodable {
            let layer: String
            let score: String
            let `class`: Int
            let shape: [Int]
            let map: [Float]
        }
        let weights_sha256: String
        let classifier: [String: Int]
        let layers: [Layer]
        let fc1: Dense, fc2: Dense
        let logits: [Float]
        let top5: [Top]
        let gradcam: [CAM]
    }

    static var cached: (Runner, Activations, Classification, Golden)?

    func run() throws -> (Runner, Activations, Classification, Golden) {
        if let c = Self.cached { return c }
        let golden = try JSONDecoder().decode(
            Golden.self, from: Data(contentsOf: Fixtures.golden.appendingPathComponent("golden.json")))
        let s = golden.classifier
        let model = try SyntheticClassifier.attach(
            to: try Fixtures.backboneWeights(),
            scales: .init(
                fc1: s["fc1_scale_log2"]!, fc2: s["fc2_scale_log2"]!, predictions: s["predictions_scale_log2"]!,
                bias: s["bias_scale_log2"]!))
        XCTAssertEqual(model.input, TensorShape(224, 224, 3))
        XCTAssertEqual(model.preprocessing, .caffe)
        let runner = Runner(model: model)
        let image = try ImageFile.load(path: Fixtures.golden.appendingPathComponent("chelsea224.png").path)
        XCTAssertEqual(image.resized(width: 224, height: 224), image, "a 224×224 input must be used unchanged")
        var rgb = [UInt8]()
        rgb.reserveCapacity(224 * 224 * 3)
        for p in 0..<(224 * 224) { rgb += image.pixels[(p * 4)..<(p * 4 + 3)] }
        let activations = try runner.forward(runner.preprocess(rgb: rgb))
        let classification = try runner.classify(activations)
        Self.cached = (runner, activations, classification, golden)
        return Self.cached!
    }

    func testHiddenLayers_MatchKerasWithin1e4OfLayerMaximum() throws {
        let (runner, activations, _, golden) = try run()
        XCTAssertEqual(golden.layers.map(\.name), runner.model.hiddenLayers.map(\.name))
        for (mine, ref) in zip(activations.layers, golden.layers) {
            XCTAssertEqual(mine.shape, ref.shape, ref.name)
            let tol = 1e-4 * ref.max_abs
            var worst: Float = 0
            for (i, v) in zip(ref.sample_index, ref.sample_value) { worst = max(worst, abs(mine.data[i] - v)) }
            var means = [Float](repeating: 0, count: mine.channels)
            for p in 0..<(mine.height * mine.width) {
                for c in 0..<mine.channels { means[c] += mine.data[p * mine.channels + c] }
            }
            for c in means.indices {
                means[c] /= Float(mine.height * mine.width)
                worst = max(worst, abs(means[c] - ref.channel_means[c]))
            }
            print(
                String(
                    format: "%@ max error %.3g (%.3g of max |x| %.4g)", ref.name, worst, worst / ref.max_abs,
                    ref.max_abs))
            XCTAssertLessThanOrEqual(worst, tol, ref.name)
            XCTAssertEqual(mine.maxMagnitude, ref.max_abs, accuracy: tol, ref.name)
        }
    }

    func testClassifier_LogitsAndTop5MatchKeras() throws {
        let (runner, activations, classification, golden) = try run()
        let maxLogit = golden.logits.map(abs).max()!
        let worst = zip(classification.logits, golden.logits).map { abs($0 - $1) }.max()!
        print(String(format: "logits max error %.3g (%.3g of max |logit| %.4g)", worst, worst / maxLogit, maxLogit))
        XCTAssertLessThanOrEqual(worst, 1e-4 * maxLogit)
        for (name, ref) in [("fc1", golden.fc1), ("fc2", golden.fc2)] {
            let mine = activations.outputs[runner.model.layers.firstIndex { $0.name == name }!].data
            let err = zip(mine.prefix(ref.first.count), ref.first).map { abs($0 - $1) }.max()!
            XCTAssertLessThanOrEqual(err, 1e-4 * ref.max_abs, name)
        }
        XCTAssertEqual(classification.top(5).map(\.index), golden.top5.map(\.index))
        for (mine, ref) in zip(classification.top(5), golden.top5) {
            XCTAssertEqual(mine.probability, ref.probability, accuracy: 1e-5)
        }
    }

    func testGradCAM_MapsMatchKerasWithin1e3() throws {
        let (runner, activations, classification, golden) = try run()
        for ref in golden.gradcam {
            let cam = try runner.gradCAM(
                activations, classification: classification, layer: ref.layer, classIndex: ref.class,
                score: CAMScore(rawValue: ref.score)!)
            XCTAssertEqual([cam.layer.height, cam.layer.width], ref.shape)
            let worst = zip(cam.map, ref.map).map { abs($0 - $1) }.max()!
            print(String(format: "Grad-CAM %@ (%@, class %d) max error %.3g", ref.layer, ref.score, ref.class, worst))
            XCTAssertLessThanOrEqual(worst, 1e-3, "\(ref.layer) \(ref.score)")
        }
    }
}
