import ConvEngine
import Platform
import XCTest

/// Local passes (`LocalChangeScorer`: each layer recomputed only where a boxed change reaches) on the real VGG16
/// backbone with the synthetic classifier, against whole forward passes of the same inputs: occlusion-sized windows
/// at corners, edges and inside, a few larger boxes and the whole image, on the golden cat photo.
final class LocalPassBackboneTests: XCTestCase {
    func testLocalChanges_RealBackbone_MatchWholePasses() throws {
        let model = try SyntheticClassifier.attach(
            to: try Fixtures.backboneWeights(), scales: .init(fc1: -9, fc2: -5, predictions: -4, bias: -4))
        let runner = Runner(model: model)
        let image = try ImageFile.load(path: Fixtures.golden.appendingPathComponent("chelsea224.png").path)
        let input = runner.preprocess(rgb: (0..<(224 * 224)).flatMap { image.pixels[($0 * 4)..<($0 * 4 + 3)] })
        let a = try runner.forward(input)
        let k = try runner.classify(a).top(1)[0].index
        let corners: [(Int, Int, Int)] = [
            (0, 0, 16), (208, 208, 16), (0, 104, 16), (96, 120, 16), (40, 8, 16), (200, 64, 16), (60, 60, 48),
            (10, 150, 64), (100, 0, 100), (0, 0, 224),
        ]
        let boxes = corners.map { (y: Int, x: Int, side: Int) in Box(y0: y, y1: y + side, x0: x, x1: x + side) }
        // Boxes filled with the black image's values (occlusion) or the image itself scaled (a Score-CAM mask).
        let changes = boxes.enumerated().map { (j: Int, box: Box) -> LocalChange in
            var values: [Float] = []
            for y in box.y0..<box.y1 {
                for x in box.x0..<box.x1 {
                    for ch in 0..<3 { values.append(j % 2 == 0 ? 0 : input.data[(y * 224 + x) * 3 + ch] * 0.3) }
                }
            }
            return LocalChange(box: box, values: values)
        }
        let local = try runner.localChangeScorer(base: a, classIndex: k, kind: .logit).scores(changes)
        var whole: [Float] = []
        for change in changes {
            var x = input.data
            var i = 0
            for y in change.box.y0..<change.box.y1 {
                for xx in change.box.x0..<change.box.x1 {
                    for ch in 0..<3 {
                        x[(y * 224 + xx) * 3 + ch] = change.values[i]
                        i += 1
                    }
                }
            }
            whole += x
        }
        let reference = runner.classScores(whole, count: changes.count, classIndex: k, kind: .logit)
        let own = try runner.classify(a).logits[k]
        let error = zip(local, reference).map { abs($0 - $1) }.max()!
        print("real backbone: local passes within \(error) of whole passes (logits near \(own))")
        XCTAssertLessThanOrEqual(error, 1e-4 * max(1, abs(own)))
        XCTAssertGreaterThan(reference.map { abs($0 - own) }.max()!, 1e-2, "the changes move the logit")
    }
}
