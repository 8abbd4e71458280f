import ConvEngine
import XCTest

/// Spearman and SSIM against scipy 1.x `spearmanr` and scikit-image `structural_similarity(data_range=1)` on integer-
/// made maps with ties (the numbers in the table were printed by those two on the same maps); and the cascading
/// randomisation's copy of a model.
final class MapSimilarityTests: XCTestCase {
    private func maps(_ n: Int) -> ([Float], [Float]) {
        let a = (0..<n).map { (i: Int) -> Float in Float((i * 7919) % 101) / 100 }
        let b = (0..<n).map { (i: Int) -> Float in
            let noise = Float((i * 104_729 + 13) % 97) / 96
            return noise * 0.5 + a[i] * 0.5
        }
        return (a, b)
    }

    func testSpearmanAndSSIM_MatchScipyAndScikitImage() {
        let reference: [(Int, Int, Float, Float)] = [
            (14, 14, 0.7043537341405205, 0.6513779721434501), (9, 23, 0.7064107790727663, 0.6601015356600548),
            (5, 5, 0.6369230769230769, 0.6212835495010466),
        ]
        for (h, w, spearman, ssim) in reference {
            let (a, b) = maps(h * w)
            let s = MapSimilarity.spearman(a, b)
            let m = MapSimilarity.ssim(a, b, height: h, width: w)
            print("\(h)x\(w): Spearman error \(abs(s - spearman)), SSIM error \(abs(m - ssim))")
            XCTAssertEqual(s, spearman, accuracy: 1e-5)
            XCTAssertEqual(m, ssim, accuracy: 1e-4)
            XCTAssertEqual(MapSimilarity.spearman(a, a), 1, accuracy: 1e-6)
            XCTAssertEqual(MapSimilarity.ssim(a, a, height: h, width: w), 1, accuracy: 1e-6)
        }
    }

    func testRandomizing_ChangesOnlyTheNamedLayersAndKeepsTheHead() throws {
        let model = try ModelLoader.load(path: try ModelReference("vgg16_finetuned").path())
        let names = model.weightedLayersTopDown
        XCTAssertEqual(names.first, model.layers.last?.name, "from the output down")
        let random = try model.randomizing([names[0], names[1]])
        XCTAssertEqual(random.output, model.output)
        XCTAssertEqual(random.classes, model.classes)
        func kernel(_ layer: Layer) -> [Float] {
            switch layer.kind {
            case .conv2D(let c): return c.kernel
            case .dense(let d): return d.kernel
            default: return []
            }
        }
        for (l, r) in zip(model.layers, random.layers) {
            if names.prefix(2).contains(l.name) {
                XCTAssertNotEqual(kernel(l), kernel(r), l.name)
            } else {
                XCTAssertEqual(kernel(l), kernel(r), l.name)
            }
        }
        // One layer at a time (the window's steps) gives the model all at once does (the command's).
        let stepwise = try model.randomizing([names[0]]).randomizing([names[1]])
        for (x, y) in zip(stepwise.layers, random.layers) { XCTAssertEqual(kernel(x), kernel(y), x.name) }
    }

    /// A randomised copy transforms only the convolutions it re-initialises: the others' Winograd kernels are the
    /// trained model's own buffers, and its forward pass equals one from a model built afresh with the same weights.
    func testRandomizing_SharesTheKeptLayersWinogradKernels() throws {
        let model = try ModelLoader.load(path: try ModelReference("vgg16_finetuned").path())
        let convs = model.layers.indices.filter {
            if case .conv2D(let c) = model.layers[$0].kind { return WinogradKernels.fits(c) } else { return false }
        }
        XCTAssertGreaterThan(convs.count, 2)
        model.winograd.prepareForward(model.layers)
        let top = model.layers[convs.last!].name
        let random = try model.randomizing([top])
        func address(_ m: Model, _ i: Int) -> UnsafePointer<Float>? {
            guard case .conv2D(let c) = m.layers[i].kind else { return nil }
            return m.winograd.forward(i, c)?.u.withUnsafeBufferPointer { $0.baseAddress }
        }
        for i in convs.dropLast() { XCTAssertEqual(address(random, i), address(model, i), model.layers[i].name) }
        XCTAssertNotEqual(address(random, convs.last!), address(model, convs.last!), "the randomised one is its own")
        let fresh = try Model(
            name: random.name, format: random.format, sourceName: random.sourceName, input: random.input,
            preprocessing: random.preprocessing, layers: random.layers, splitOutput: false)
        let x = FeatureMap(
            height: model.input.height, width: model.input.width, channels: model.input.channels,
            data: (0..<model.input.height * model.input.width * model.input.channels).map { Float($0 % 251) - 120 })
        let a = try Runner(model: random).forward(x)
        let b = try Runner(model: fresh).forward(x)
        XCTAssertEqual(a.outputs.last?.data, b.outputs.last?.data, "the same numbers as a model built afresh")
    }
}
