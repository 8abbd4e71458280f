import ConvEngine
import XCTest

/// `LocalChangeScorer` (each layer recomputed only where a boxed change reaches) against whole forward passes of the
/// same changed inputs: tiny VGG16s on the Winograd and im2col paths, the test VGG11-BN and VGG16 models, and a model
/// of every layer kind the local pass crops (BatchNorm, separate ReLU, average pool, 5×5 and 1×1 convolutions).
final class LocalChangeTests: XCTestCase {
    /// Boxes at corners, edges, in the middle, one pixel, a whole row, and the whole image.
    private func boxes(_ h: Int, _ w: Int, seed: UInt64) -> [Box] {
        var rng = SeededRandom(seed: seed)
        var out = [
            Box(y0: 0, y1: 5, x0: 0, x1: 7), Box(y0: h - 6, y1: h, x0: w - 3, x1: w), Box(y0: 0, y1: h, x0: 0, x1: w),
            Box(y0: h / 2, y1: h / 2 + 1, x0: w / 3, x1: w / 3 + 1), Box(y0: 3, y1: 4, x0: 0, x1: w),
            Box(y0: 0, y1: h, x0: w - 2, x1: w),
        ]
        for _ in 0..<14 {
            let y0 = Int.random(in: 0..<h, using: &rng)
            let x0 = Int.random(in: 0..<w, using: &rng)
            out.append(
                Box(
                    y0: y0, y1: Int.random(in: (y0 + 1)...min(h, y0 + h / 2), using: &rng), x0: x0,
                    x1: Int.random(in: (x0 + 1)...min(w, x0 + w / 2), using: &rng)))
        }
        return out
    }

    /// The changed input as a whole image: `input` with the box's values.
    private func applied(_ change: LocalChange, to input: FeatureMap) -> [Float] {
        var x = input.data
        let c = input.channels
        var i = 0
        for y in change.box.y0..<change.box.y1 {
            for xx in change.box.x0..<change.box.x1 {
                for k in 0..<c {
                    x[(y * input.width + xx) * c + k] = change.values[i]
                    i += 1
                }
            }
        }
        return x
    }

    /// The worst difference over every class between the local and the whole passes, relative to the largest logit,
    /// and the smallest largest change any box made to the logits (so the changes matter).
    private func compare(_ model: Model, input: FeatureMap, seed: UInt64) throws -> (error: Float, effect: Float) {
        let runner = Runner(model: model)
        let base = try runner.forward(input)
        var rng = SeededRandom(seed: seed)
        let changes = boxes(input.height, input.width, seed: seed).map {
            LocalChange(box: $0, values: rng.floats($0.area * input.channels, -120, 120))
        }
        let whole = changes.flatMap { applied($0, to: input) }
        var error: Float = 0
        var effect = Float.infinity
        for k in 0..<model.classes {
            let local = try runner.localChangeScorer(base: base, classIndex: k, kind: .logit).scores(changes)
            let reference = runner.classScores(whole, count: changes.count, classIndex: k, kind: .logit)
            let scale = reference.map(abs).max() ?? 1
            error = max(error, zip(local, reference).map { abs($0 - $1) }.max()! / scale)
            let own = try runner.classify(base).logits[k]
            effect = min(effect, reference.map { abs($0 - own) }.max()! / scale)
        }
        return (error, effect)
    }

    func testLocalChanges_TinyVGG16OnWinograd_MatchWholePasses() throws {
        let a = TinyArchitecture(widths: [8, 16, 16, 24, 32], fcWidth: 12, classes: 6, inputSize: 64)
        let (error, effect) = try compare(
            TinyNetwork.randomModel(a, seed: 5), input: TinyNetwork.randomInput(a, seed: 6), seed: 7)
        XCTAssertLessThanOrEqual(error, 5e-5)
        XCTAssertGreaterThan(effect, 1e-3, "every class's logit moves under some box")
    }

    /// The largest difference between `count` small boxed changes' scores by local passes and by whole passes,
    /// relative to the largest score, and how many different scores the whole passes gave.
    private func manyChanges(_ model: Model, _ input: FeatureMap, count: Int, seed: UInt64) throws -> (Float, Int) {
        let runner = Runner(model: model)
        let base = try runner.forward(input)
        var rng = SeededRandom(seed: seed)
        let changes = (0..<count).map { i -> LocalChange in
            let y0 = i % (input.height - 3)
            let x0 = (i * 7) % (input.width - 3)
            let box = Box(y0: y0, y1: y0 + 1 + i % 3, x0: x0, x1: x0 + 1 + (i / 3) % 3)
            return LocalChange(box: box, values: rng.floats(box.area * input.channels, -120, 120))
        }
        let local = try runner.localChangeScorer(base: base, classIndex: 1, kind: .logit).scores(changes)
        let reference = runner.classScores(
            changes.flatMap { applied($0, to: input) }, count: changes.count, classIndex: 1, kind: .logit)
        let scale = reference.map(abs).max()!
        return (zip(local, reference).map { abs($0 - $1) }.max()! / scale, Set(reference).count)
    }

    func testLocalChanges_MoreThanTheHeadTakesAtOnce_MatchWholePasses() throws {
        // The passes stop before the classifier head, which takes them `headBatch` at a time: 300 changes fill it
        // twice and leave a remainder.
        let a = TinyArchitecture(widths: [4, 8, 8, 8, 8], fcWidth: 12, classes: 3, inputSize: 32)
        let (error, distinct) = try manyChanges(
            TinyNetwork.randomModel(a, seed: 21), TinyNetwork.randomInput(a, seed: 22), count: 300, seed: 23)
        print("300 changes: local passes within \(error) of whole passes")
        XCTAssertLessThanOrEqual(error, 5e-5)
        XCTAssertGreaterThan(distinct, 250, "the changes give different scores")
    }

    func testLocalChanges_GlobalAveragePoolHead_MatchWholePasses() throws {
        // The head starts at the dense layer after the global pool; the last convolution's 2×2 pool runs fused.
        var rng = SeededRandom(seed: 31)
        func conv(_ name: String, _ cin: Int, _ cout: Int) -> Layer {
            Layer(
                name,
                .conv2D(
                    Conv2DParameters(
                        kernel: rng.floats(9 * cin * cout, -0.3, 0.3), bias: rng.floats(cout, 0, 0.1),
                        kernelHeight: 3, kernelWidth: 3, inChannels: cin, outChannels: cout, activation: .relu)))
        }
        let model = try Model(
            name: "gap", format: "test", sourceName: "gap", input: TensorShape(32, 32, 3), preprocessing: .caffe,
            layers: [
                conv("c1", 3, 8), Layer("p1", .maxPool(PoolParameters(size: (2, 2)))), conv("c2", 8, 16),
                Layer("p2", .maxPool(PoolParameters(size: (2, 2)))), Layer("gap", .globalAveragePool),
                Layer(
                    "fc",
                    .dense(
                        DenseLayerParameters(
                            kernel: rng.floats(16 * 4, -0.5, 0.5), bias: rng.floats(4), inputs: 16, outputs: 4,
                            activation: .linear))),
            ])
        let input = FeatureMap(height: 32, width: 32, channels: 3, data: rng.floats(32 * 32 * 3, -100, 100))
        let (error, distinct) = try manyChanges(model, input, count: 200, seed: 32)
        print("global-pool head, 200 changes: local passes within \(error) of whole passes")
        XCTAssertLessThanOrEqual(error, 5e-5)
        XCTAssertGreaterThan(distinct, 150, "the changes give different scores")
    }

    func testLocalChanges_TinyVGG16OnIm2col_MatchWholePasses() throws {
        let (error, effect) = try compare(
            TinyNetwork.randomModel(TinyNetwork.loaderArchitecture, seed: 8),
            input: TinyNetwork.randomInput(TinyNetwork.loaderArchitecture, seed: 9), seed: 10)
        XCTAssertLessThanOrEqual(error, 5e-5)
        XCTAssertGreaterThan(effect, 1e-3)
    }

    func testLocalChanges_TestModels_MatchWholePasses() throws {
        for name in ["vgg11_bn_torch", "vgg16_finetuned"] {
            let ref = try ModelReference(name)
            let model = try ModelLoader.load(path: ref.path())
            let input = model.preprocessing.apply(rgb: ref.rgb, height: ref.height, width: ref.width)
            let (error, effect) = try compare(model, input: input, seed: 11)
            print("\(name): local passes within \(error) of whole passes")
            XCTAssertLessThanOrEqual(error, 5e-5, name)
            XCTAssertGreaterThan(effect, 1e-4, name)
        }
    }

    func testLocalChanges_EveryCroppedLayerKind_MatchWholePasses() throws {
        var rng = SeededRandom(seed: 12)
        func conv(_ name: String, _ k: Int, _ cin: Int, _ cout: Int, _ activation: Activation) -> Layer {
            Layer(
                name,
                .conv2D(
                    Conv2DParameters(
                        kernel: rng.floats(k * k * cin * cout, -0.3, 0.3), bias: rng.floats(cout, 0, 0.1),
                        kernelHeight: k, kernelWidth: k, inChannels: cin, outChannels: cout, activation: activation)))
        }
        let layers = [
            conv("c1", 3, 3, 8, .relu), conv("c2", 3, 8, 16, .linear),
            Layer(
                "bn",
                .channelAffine(
                    ChannelAffine(
                        scale: rng.floats(16, 0.5, 1.5), shift: rng.floats(16), origin: .batchNormalization))),
            Layer("relu", .activation(.relu)), Layer("pool1", .maxPool(PoolParameters(size: (2, 2)))),
            conv("c3", 5, 16, 16, .relu), Layer("pool2", .averagePool(PoolParameters(size: (2, 2)))),
            conv("c4", 1, 16, 8, .relu), Layer("flatten", .flatten(.hwc)),
            Layer(
                "fc",
                .dense(
                    DenseLayerParameters(
                        kernel: rng.floats(10 * 10 * 8 * 5, -0.1, 0.1), bias: rng.floats(5), inputs: 10 * 10 * 8,
                        outputs: 5,
                        activation: .softmax))),
        ]
        let model = try Model(
            name: "kinds", format: "test", sourceName: "kinds", input: TensorShape(40, 40, 3), preprocessing: .caffe,
            layers: layers)
        let input = FeatureMap(height: 40, width: 40, channels: 3, data: rng.floats(40 * 40 * 3, -100, 100))
        let (error, effect) = try compare(model, input: input, seed: 13)
        XCTAssertLessThanOrEqual(error, 5e-5)
        XCTAssertGreaterThan(effect, 1e-3)
    }

    func testOcclusion_EqualsOcclusionByWholePasses() throws {
        let ref = try ModelReference("vgg16_finetuned")
        let runner = Runner(model: try ModelLoader.load(path: ref.path()))
        let input = runner.model.preprocessing.apply(rgb: ref.rgb, height: ref.height, width: ref.width)
        let a = try runner.forward(input)
        let k = try runner.classify(a).top(1)[0].index
        let occlusion = Occlusion(window: 6, stride: 3, fill: 0)
        let ours = try runner.attribution(occlusion, a, classIndex: k)
        // Captum's definition, every window a whole forward pass.
        let (h, w, c) = (input.height, input.width, input.channels)
        let own = try runner.classify(a).logits[k]
        var total = [Float](repeating: 0, count: h * w)
        var covered = [Float](repeating: 0, count: h * w)
        for y0 in stride(from: 0, through: h - 6, by: 3) {
            for x0 in stride(from: 0, through: w - 6, by: 3) {
                var x = input.data
                for y in y0..<(y0 + 6) { for xx in x0..<(x0 + 6) { for ch in 0..<c { x[(y * w + xx) * c + ch] = 0 } } }
                let s = runner.classScores(x, count: 1, classIndex: k, kind: .logit)[0]
                for y in y0..<(y0 + 6) {
                    for xx in x0..<(x0 + 6) {
                        total[y * w + xx] += own - s
                        covered[y * w + xx] += 1
                    }
                }
            }
        }
        let reference = (0..<(h * w * c)).map { covered[$0 / c] > 0 ? total[$0 / c] / covered[$0 / c] : 0 }
        let scale = reference.map(abs).max() ?? 1
        XCTAssertGreaterThan(scale, 1e-3, "the windows change the score")
        let error = zip(ours, reference).map { abs($0 - $1) }.max()! / scale
        print("occlusion: local passes within \(error) of whole passes (largest |attribution| \(scale))")
        XCTAssertLessThanOrEqual(error, 2e-4)
    }

    /// Score-CAM (local passes over the zero image, shared passes for equal channel maps) against Score-CAM by one
    /// whole forward pass per channel.
    func testScoreCAM_EqualsScoreCAMByWholePasses() throws {
        for (name, layerIndex) in [("vgg16_finetuned", -1), ("vgg11_bn_torch", -1), ("vgg11_bn_torch", 3)] {
            let ref = try ModelReference(name)
            let runner = Runner(model: try ModelLoader.load(path: ref.path()))
            let input = runner.model.preprocessing.apply(rgb: ref.rgb, height: ref.height, width: ref.width)
            let a = try runner.forward(input)
            let c = try runner.classify(a)
            let k = c.top(1)[0].index
            let convolutions = runner.model.hiddenLayers.filter(\.isConv)
            let layer = layerIndex < 0 ? runner.model.lastConvolution! : convolutions[layerIndex]
            let ours = try runner.classActivationMap(ScoreCAM(), a, classification: c, layer: layer.name, classIndex: k)
            let acts = a.outputs[layer.last]
            let (h, w, ch) = (input.height, input.width, input.channels)
            var constant = 0
            var scores: [Float] = []
            for channel in 0..<acts.channels {
                let map = acts.channel(channel)
                if map.min() == map.max() { constant += 1 }
                let up = CAMMethods.upsampled(map, height: acts.height, width: acts.width, to: h, w)
                let low = up.min()!
                let high = up.max()!
                let masked = (0..<input.data.count).map { input.data[$0] * (up[$0 / ch] - low) / (high - low + 1e-8) }
                scores.append(runner.classScores(masked, count: 1, classIndex: k, kind: .logit)[0])
            }
            let top = scores.max()!
            let e = scores.map { Float(exp(Double($0 - top))) }
            let sum = e.reduce(0, +)
            let raw = (0..<(acts.height * acts.width)).map { p in
                (0..<acts.channels).reduce(Float(0)) { $0 + e[$1] / sum * acts.data[p * acts.channels + $1] }
            }
            let reference = CAMMethods.normalised(raw)
            let error = zip(ours.map, reference).map { abs($0 - $1) }.max()!
            print("Score-CAM, \(name) \(layer.name): \(constant)/\(acts.channels) channels constant, within \(error)")
            XCTAssertLessThanOrEqual(error, 1e-5, "\(name) \(layer.name)")
            XCTAssertGreaterThan(reference.max()! - reference.min()!, 0.5, "a map with something in it")
        }
    }
}
