import ConvEngine
import XCTest

final class FilterAscentTests: XCTestCase {
    private let model = TinyNetwork.randomModel(TinyNetwork.loaderArchitecture, seed: 5, classifier: false)

    /// A batch of images is the same as each image alone, forward and backward (the batch only lengthens the GEMM).
    func testConv3x3_Batch_MatchesImagesOneByOne() {
        let (n, h, w, cin, cout) = (3, 5, 7, 4, 6)
        var rng = SeededRandom(seed: 8)
        let x = rng.floats(n * h * w * cin), kernel = rng.floats(9 * cin * cout), bias = rng.floats(cout), dy = rng.floats(n * h * w * cout)
        var scratch = [Float](repeating: 0, count: Conv3x3.scratchCount(inChannels: max(cin, cout)))
        var y = [Float](repeating: .nan, count: n * h * w * cout), dx = [Float](repeating: .nan, count: n * h * w * cin)
        Conv3x3.forward(x: x, batch: n, height: h, width: w, inChannels: cin, kernel: kernel, bias: bias, outChannels: cout, y: &y, scratch: &scratch)
        Conv3x3.backwardInput(dy: dy, batch: n, height: h, width: w, inChannels: cin, kernel: kernel, outChannels: cout, dx: &dx, scratch: &scratch)
        var worst: Float = 0
        for b in 0..<n {
            var y1 = [Float](repeating: .nan, count: h * w * cout), dx1 = [Float](repeating: .nan, count: h * w * cin)
            Conv3x3.forward(x: Array(x[(b * h * w * cin)..<((b + 1) * h * w * cin)]), height: h, width: w, inChannels: cin,
                            kernel: kernel, bias: bias, outChannels: cout, y: &y1, scratch: &scratch)
            Conv3x3.backwardInput(dy: Array(dy[(b * h * w * cout)..<((b + 1) * h * w * cout)]), height: h, width: w, inChannels: cin,
                                  kernel: kernel, outChannels: cout, dx: &dx1, scratch: &scratch)
            worst = max(worst, zip(y1, y[(b * h * w * cout)...]).map { abs($0 - $1) }.max()!)
            worst = max(worst, zip(dx1, dx[(b * h * w * cin)...]).map { abs($0 - $1) }.max()!)
        }
        print("batched conv max difference \(worst)")
        XCTAssertLessThan(worst, 1e-5)
    }

    func testFilterImage_ShownOnly_KeepsWhatIsShownAndDropsTheRawFloats() {
        let image = FilterImage(
            filter: 5, side: 2, rgb: Array(0..<12), raw: [Float](repeating: 1.5, count: 48), startActivation: 0.25,
            finalActivation: 9)
        let shown = image.shownOnly
        XCTAssertEqual(shown.raw, [])
        XCTAssertEqual(shown.rgb, image.rgb)
        XCTAssertEqual([shown.filter, shown.side], [5, 2])
        XCTAssertEqual([shown.startActivation, shown.finalActivation], [0.25, 9])
    }

    /// Every filter of every convolution of the tiny network gets more active, on one core and on three.
    func testFilterAscent_TinyNetwork_RaisesEveryFilter() throws {
        for cores in [1, 3] {
            for name in ["block1_conv1", "block2_conv2", "block4_conv1"] {
                let ascent = try FilterAscent(model: model, layer: name, settings: AscentSettings(size: 64, steps: 20), cores: cores)
                let images = try ascent.run(filters: Array(0..<ascent.layer.channels))
                XCTAssertEqual(images.map(\.filter), Array(0..<ascent.layer.channels))
                for i in images {
                    XCTAssertGreaterThan(i.finalActivation, i.startActivation, "\(name) filter \(i.filter), \(cores) cores")
                    XCTAssertGreaterThan(i.finalActivation, 0)
                    XCTAssertEqual(i.side, 64 - 2 * 4)
                    XCTAssertEqual(i.rgb.count, i.side * i.side * 3)
                    XCTAssertEqual(i.raw.count, 64 * 64 * 3)
                }
            }
        }
    }

    /// A filter's image depends on its seed, not on which batch or lane it ran in.
    func testFilterAscent_ImageDoesNotDependOnItsBatch() throws {
        let settings = AscentSettings(size: 64, steps: 10)
        let alone = try FilterAscent(model: model, layer: "block3_conv1", settings: settings, cores: 1).run(filters: [2])[0]
        let batched = try FilterAscent(model: model, layer: "block3_conv1", settings: settings, cores: 2).run(filters: [0, 1, 2, 3])[2]
        XCTAssertEqual(batched.filter, 2)
        let diff = zip(alone.raw, batched.raw).map { abs($0 - $1) }.max()!
        print("same filter alone vs in a batch: max difference \(diff) (0–255 scale)")
        XCTAssertLessThan(diff, 1e-2)
        XCTAssertNotEqual(alone.raw, try FilterAscent(model: model, layer: "block3_conv1", settings: AscentSettings(size: 64, steps: 10, seed: 2), cores: 1)
            .run(filters: [2])[0].raw, "another seed, another start")
    }

    /// A maker's buffers, its lanes' runners' scratch included, fit its memory budget, and it takes the most images
    /// that fit: with the floats it holds as the budget it makes the same batch, with one float less a smaller one.
    /// The network is wide enough (16 to 64 channels) for its convolutions to run as Winograd, whose scratch grows
    /// with the batch until it is cut into chunks (past 28 images of 32×32 here).
    func testFilterMakers_MemoryBudget_HoldsEveryBufferAndIsTight() throws {
        let wide = TinyNetwork.randomModel(
            TinyArchitecture(widths: [64, 16, 32, 32, 32], fcWidth: 6, classes: 7, inputSize: 32), seed: 5,
            classifier: false)
        typealias Make = (Int) throws -> any FilterImageMaker
        let makers: [(String, Make)] = [
            ("plain", {
                try FilterAscent(
                    model: wide, layer: "block3_conv1", settings: AscentSettings(size: 32), memoryBudget: $0, cores: 2)
            }),
            ("lucid", {
                try FeatureVis(
                    model: wide, layer: "block3_conv1", settings: FeatureVisSettings(size: 32), memoryBudget: $0,
                    cores: 2)
            }),
        ]
        for (name, make) in makers {
            var batches: [Int] = []
            for budget in [4 << 20, 12 << 20, 32 << 20] {
                let maker = try make(budget)
                print("\(name), budget \(budget) floats: batch \(maker.batchSize), \(maker.heldFloats) floats held")
                batches.append(maker.batchSize)
                XCTAssertGreaterThan(maker.batchSize, 2, "\(name): a budget that fits more than one image a lane")
                XCTAssertLessThanOrEqual(maker.heldFloats, budget, name)
                XCTAssertEqual(try make(maker.heldFloats).batchSize, maker.batchSize, name)
                XCTAssertLessThan(try make(maker.heldFloats - 1).batchSize, maker.batchSize, name)
            }
            XCTAssertEqual(batches.last, 64, "\(name): the largest budget reaches 32 images a lane, chunked scratch")
            // A budget under one image a lane: one lane of one image, not two.
            let one = try make(1)
            XCTAssertEqual(one.batchSize, 1, name)
            let under = one.heldFloats * 2 - 1  // two lanes of one image do not fit: one lane, within it
            XCTAssertLessThanOrEqual(try make(under).heldFloats, under, "\(name): two lanes only where both fit")
            XCTAssertEqual(try make(one.heldFloats * 2).batchSize, 2, name)
        }
    }

    func testFilterAscent_Cancelled_StopsAndReturnsFinishedImages() throws {
        let ascent = try FilterAscent(model: model, layer: "block3_conv1", settings: AscentSettings(size: 32, steps: 5), memoryBudget: 1, cores: 1)
        XCTAssertEqual(ascent.batchSize, 1)
        var calls = 0
        let images = try ascent.run(filters: [0, 1, 2], progress: { done, total in
            calls += 1
            XCTAssertEqual(total, 15)
            return done < 7
        })
        XCTAssertEqual(calls, 7)
        XCTAssertEqual(images.map(\.filter), [0])
    }

    func testAscentSettings_BadRequests_SayWhatToDo() {
        func error(_ layer: String, _ s: AscentSettings = AscentSettings(), filters: [Int] = [0]) -> String {
            do { _ = try FilterAscent(model: model, layer: layer, settings: s).run(filters: filters); return "no error" } catch { return "\(error)" }
        }
        XCTAssertEqual(error("block2_pool"), "block2_pool is not a convolution; filter images exist for "
                       + TinyArchitecture.convLayerNames.joined(separator: ", "))
        XCTAssertTrue(error("fc1").hasPrefix("no hidden layer named fc1; give a name or a number 1…18: block1_conv1, "), error("fc1"))
        XCTAssertTrue(error("6").contains("block2_pool is not a convolution"), "hidden layer 6 is block2_pool: \(error("6"))")
        XCTAssertTrue(error("block1_conv1", AscentSettings(size: 100)).contains("multiple of 16"))
        XCTAssertTrue(error("block1_conv1", AscentSettings(steps: 0)).contains("1 to 1000"))
        XCTAssertTrue(error("block1_conv1", AscentSettings(stepSize: .nan)).contains("step size"))
        XCTAssertEqual(error("block5_conv1", AscentSettings(size: 64)),
                       "at image size 64, block5_conv1's map is only 4×4 pixels, too small to leave out its border: use --size 80 or more")
        XCTAssertEqual(error("block1_conv1", filters: [1, 9]), "filter 9 does not exist: this layer has filters 0…1")
    }

    /// The ascent computes only each image's own filter at the filter's layer (direct dot products, any kernel,
    /// stride and padding); its measured response must be what the whole runner computes on the final image.
    func testFilterAscent_OwnFilterOnly_MatchesTheRunnerOnTheFinalImage() throws {
        var rng = SeededRandom(seed: 7)
        let layers = [
            Layer("conv_a", .conv2D(Conv2DParameters(kernel: rng.floats(3 * 3 * 3 * 8, -0.5, 0.5), bias: rng.floats(8, 0, 0.1),
                                                     kernelHeight: 3, kernelWidth: 3, inChannels: 3, outChannels: 8, activation: .relu))),
            Layer("pool", .maxPool(PoolParameters(size: (2, 2)))),
            Layer("conv_b", .conv2D(Conv2DParameters(kernel: rng.floats(5 * 3 * 8 * 6, -0.3, 0.3), bias: rng.floats(6, 0, 0.1),
                                                     kernelHeight: 5, kernelWidth: 3, inChannels: 8, outChannels: 6, strides: (2, 1),
                                                     padding: .valid, activation: .relu))),
        ]
        let model = try Model(name: "tiny", format: "test", sourceName: "tiny", input: TensorShape(32, 32, 3), preprocessing: .caffe,
                              layers: layers)
        let settings = AscentSettings(size: 48, steps: 3, border: 1)
        let images = try FilterAscent(model: model, layer: "conv_b", settings: settings, cores: 1).run(filters: [0, 3, 5])
        let truncated = try model.truncated(through: 2, input: TensorShape(48, 48, 3))
        let runner = Runner(model: truncated)
        var worst: Float = 0
        for image in images {
            let out = try runner.forward(model.preprocessing.apply(rgb: image.raw, height: 48, width: 48)).outputs[2]
            var sum: Float = 0, n = 0
            for y in 1..<(out.height - 1) { for x in 1..<(out.width - 1) { sum += out.data[(y * out.width + x) * out.channels + image.filter]; n += 1 } }
            worst = max(worst, abs(sum / Float(n) - image.finalActivation) / max(abs(image.finalActivation), 1e-3))
        }
        print("own-filter ascent vs runner: worst relative difference \(worst)")
        XCTAssertLessThan(worst, 1e-3)
    }
}
