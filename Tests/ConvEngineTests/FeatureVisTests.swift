import XCTest

@testable import ConvEngine

/// Lucid-style feature visualisation on the tiny network: the whole chain's gradient, the objectives, batching.
final class FeatureVisTests: XCTestCase {
    private let model = TinyNetwork.randomModel(TinyNetwork.loaderArchitecture, seed: 5, classifier: false)

    /// Coefficients → view → network → objective: the lane's gradient against central differences of the
    /// objective, for every objective, through a turned and shifted view, with and without the redirection (here
    /// on live units, where it must change nothing).
    func testFeatureVisLane_Gradient_MatchesFiniteDifferences() throws {
        for objective in FeatureVisObjective.allCases {
            var settings = FeatureVisSettings(size: 32, steps: 1, objective: objective)
            settings.border = 1
            let truncated = try settings.validate(for: try model.hiddenLayer("block3_conv1"), in: model)
            let param = FourierImage(side: 32)
            let lane = FeatureVisLane(model: truncated, settings: settings, param: param, capacity: 2)
            var rng = SeededRandom(seed: 11)
            let filters = [1, 3]
            var state = lane.state
            state.coefficients = rng.floats(state.coefficients.count, -0.3, 0.3)
            state.views = [ViewTransform(scale: 1.05, angle: 0.1, dx: 2, dy: -1), ViewTransform(dx: -3, dy: 2)]
            lane.state = state
            for redirect in [false, true] {
                _ = lane.evaluate(filters, redirect: redirect)
                let analytic = lane.state.gradient
                let coordinates = (0..<24).map { _ in Int(rng.next() % UInt64(param.coefficientsPerImage)) }
                // The objective of image 0 only: image 1's coefficients must not matter to it.
                let fd = FiniteDifferences(
                    x: state.coefficients, analytic: analytic, coordinates: coordinates, eps: 1e-3
                ) { c in
                    var s = lane.state
                    s.coefficients = c
                    lane.state = s
                    return (Double(lane.evaluate(filters, redirect: redirect)[0]), Self.kinks(lane))
                }
                lane.state = state
                print(
                    "\(objective) objective, redirect \(redirect): gradient vs finite differences, "
                        + "max relative error \(fd.maxError)"
                )
                XCTAssertLessThan(fd.maxError, 5e-3, "\(objective)")
                XCTAssertGreaterThan(fd.checked, 16, "most coordinates are away from a kink")
                XCTAssertGreaterThan(analytic.prefix(param.coefficientsPerImage).map(abs).max()!, 0)
            }
        }
    }

    /// While waking, an image whose filter is active on under `wakeBelow` of the window takes the gradient of the
    /// filter's mean before its ReLU: the gradient the same network gives with that ReLU removed. A filter awake
    /// (here: active anywhere, with the share tiny) keeps the ReLU's gradient.
    func testFeatureVisLane_Waking_TakesTheGradientBeforeTheReLU() throws {
        var settings = FeatureVisSettings(size: 32, steps: 1)
        settings.border = 1
        settings.wakeBelow = 1  // asleep unless active on the whole window
        let truncated = try settings.validate(for: try model.hiddenLayer("block3_conv1"), in: model)
        var layers = truncated.layers
        guard case .conv2D(var c) = layers[layers.count - 1].kind else { return XCTFail("not a convolution") }
        XCTAssertEqual(c.activation, .relu)
        c.activation = .linear
        layers[layers.count - 1].kind = .conv2D(c)
        let linear = try Model(
            name: truncated.name, format: truncated.format, sourceName: truncated.sourceName,
            input: truncated.input, preprocessing: truncated.preprocessing, layers: layers)
        let filters = [1, 3]
        func gradient(_ m: Model, _ s: FeatureVisSettings, wake: Bool) -> [Float] {
            let lane = FeatureVisLane(model: m, settings: s, param: FourierImage(side: 32), capacity: 2)
            var state = lane.state
            var rng = SeededRandom(seed: 12)
            state.coefficients = rng.floats(state.coefficients.count, -0.3, 0.3)
            lane.state = state
            _ = lane.evaluate(filters, redirect: false, wake: wake)
            return lane.state.gradient
        }
        let waking = gradient(truncated, settings, wake: true)
        let through = gradient(truncated, settings, wake: false)
        let before = gradient(linear, settings, wake: false)
        XCTAssertNotEqual(through, before, "the filters are partly dead on the image")
        let worst = zip(waking, before).map { abs($0 - $1) }.max()!
        XCTAssertLessThan(worst, 1e-5 * before.map(abs).max()!)
        // Asleep only where dead on the whole window: filter 1 is alive on part of image 0 and keeps the ReLU's
        // gradient; filter 3 is dead on image 1, which gets none through the ReLU and the gradient before it.
        var tiny = settings
        tiny.wakeBelow = 1e-6
        let per = FourierImage(side: 32).coefficientsPerImage
        let waking0 = gradient(truncated, tiny, wake: true)
        func image(_ g: [Float], _ b: Int) -> [Float] { Array(g[(b * per)..<((b + 1) * per)]) }
        XCTAssertGreaterThan(image(through, 0).map(abs).max()!, 0)
        XCTAssertEqual(image(through, 1).map(abs).max()!, 0)
        XCTAssertEqual(image(waking0, 0), image(through, 0))
        let dead = zip(image(waking0, 1), image(before, 1)).map { abs($0 - $1) }.max()!
        XCTAssertLessThan(dead, 1e-5 * image(before, 1).map(abs).max()!)
        var half = FeatureVisSettings(size: 32, steps: 10)
        half.wake = 0.5
        XCTAssertEqual(half.wakeSteps, 5)
    }

    /// Which side of every kink the network ran on: each ReLU output's sign and each 2×2 max-pool's winner.
    private static func kinks(_ lane: FeatureVisLane) -> [Int32] {
        var pattern: [Int32] = []
        for (i, layer) in lane.runner.model.layers.enumerated() {
            let y = lane.outputs[i]
            if case .maxPool = layer.kind {
                let x = lane.outputs[i - 1]
                let s = lane.runner.model.layers[i - 1].output
                let o = layer.output
                for b in 0..<2 {
                    for p in 0..<(o.height * o.width * o.channels) {
                        let c = p % o.channels
                        let ox = (p / o.channels) % o.width
                        let oy = p / o.channels / o.width
                        let at = { (dy: Int, dx: Int) in
                            x[b * s.count + ((2 * oy + dy) * s.width + 2 * ox + dx) * s.channels + c]
                        }
                        let window = [at(0, 0), at(0, 1), at(1, 0), at(1, 1)]
                        pattern.append(Int32(window.firstIndex(of: window.max()!)!))
                    }
                }
            } else {
                pattern += y.prefix(2 * layer.output.count).map { $0 > 0 ? 1 : 0 }
            }
        }
        return pattern
    }

    func testFeatureVis_TinyNetwork_RaisesEveryFilter() throws {
        for cores in [1, 3] {
            for name in ["block1_conv1", "block2_conv2", "block4_conv1"] {
                let vis = try FeatureVis(
                    model: model, layer: name, settings: FeatureVisSettings(size: 64, steps: 24), cores: cores)
                let images = try vis.run(filters: Array(0..<vis.layer.channels))
                XCTAssertEqual(images.map(\.filter), Array(0..<vis.layer.channels))
                for i in images {
                    XCTAssertGreaterThan(
                        i.finalActivation, i.startActivation, "\(name) filter \(i.filter), \(cores) cores")
                    XCTAssertGreaterThan(i.finalActivation, 0)
                    XCTAssertEqual(i.side, 64 - 2 * 4)
                    XCTAssertEqual(i.rgb.count, i.side * i.side * 3)
                    XCTAssertEqual(i.raw.count, 64 * 64 * 3)
                    XCTAssertEqual(
                        i.rgb[0], UInt8(i.raw[(4 * 64 + 4) * 3].rounded()), "the shown image is the raw one, cropped")
                    XCTAssertTrue(i.raw.allSatisfy { (0...255).contains($0) }, "the image is in the valid range")
                }
            }
        }
    }

    /// The last `still` share of the steps sees the image itself; the steps before see random views.
    func testFeatureVisLane_StillSteps_TakeNoView() throws {
        var settings = FeatureVisSettings(size: 32, steps: 10)
        settings.still = 0.3
        XCTAssertEqual(settings.stillSteps, 3)
        let truncated = try settings.validate(for: try model.hiddenLayer("block2_conv1"), in: model)
        let lane = FeatureVisLane(
            model: truncated, settings: settings, param: FourierImage(side: 32), capacity: 2)
        lane.seed([0, 1], photo: nil)
        for step in 0..<10 {
            lane.step([0, 1], step: step)
            let identity = lane.state.views.prefix(2).map { $0 == .identity }
            XCTAssertEqual(identity, [step >= 7, step >= 7], "step \(step)")
        }
    }

    /// A step with the pooled moment moves each coefficient by the rate times its gradient over the square root of
    /// its gradient's size and of the image's RMS gradient (first step: no history), each image pooled alone; with
    /// the pooled moment off (Adam), by the rate whatever its gradient. The gradient is the one the step takes (no
    /// view: all steps still).
    func testFeatureVisLane_PooledMoment_StepsFollowTheGradient() throws {
        for pooled: Float in [0.5, 0] {
            var settings = FeatureVisSettings(size: 32, steps: 4)
            settings.still = 1
            settings.pooledMoment = pooled
            let truncated = try settings.validate(for: try model.hiddenLayer("block2_conv1"), in: model)
            let param = FourierImage(side: 32)
            let lane = FeatureVisLane(model: truncated, settings: settings, param: param, capacity: 2)
            let filters = [0, 2]
            lane.seed(filters, photo: nil)
            _ = lane.evaluate(filters, redirect: true, wake: true)
            let g = lane.state.gradient
            let before = lane.state.coefficients
            lane.step(filters, step: 0)
            let after = lane.state.coefficients
            let per = param.coefficientsPerImage
            var worst: Float = 0
            for b in 0..<2 {
                let range = (b * per)..<((b + 1) * per)
                let rms = (range.map { g[$0] * g[$0] }.reduce(0, +) / Float(per)).squareRoot()
                XCTAssertGreaterThan(rms, 0, "image \(b) has a gradient")
                for i in range {
                    let expected = pooled == 0
                        ? settings.learningRate * g[i] / (abs(g[i]) + 1e-8)
                        : settings.learningRate * g[i] / ((abs(g[i]) * rms).squareRoot() + 1e-8)
                    worst = max(worst, abs(after[i] - before[i] - expected) / settings.learningRate)
                }
            }
            print("pooled \(pooled): worst step error \(worst) of the rate")
            XCTAssertLessThan(worst, 1e-3, "pooled \(pooled)")
        }
    }

    /// The still steps fit the image to the view it is measured in: with the last half of the steps taken without a
    /// view, every layer's filters end more active on average than with a view at every step.
    func testFeatureVis_StillSteps_RaiseTheMeasuredActivation() throws {
        for name in ["block2_conv2", "block4_conv1"] {
            func mean(still: Float) throws -> Float {
                var settings = FeatureVisSettings(size: 64, steps: 16)
                settings.still = still
                let vis = try FeatureVis(model: model, layer: name, settings: settings)
                let images = try vis.run(filters: Array(0..<vis.layer.channels))
                return images.map(\.finalActivation).reduce(0, +) / Float(images.count)
            }
            let (moving, still) = (try mean(still: 0), try mean(still: 0.5))
            print("\(name): mean activation \(moving) with a view every step, \(still) with half the steps still")
            XCTAssertGreaterThan(still, moving, name)
        }
    }

    /// The images as shown, rebuilt at full size for measuring: their centre is what is shown (else it throws),
    /// plain's is its display rule (8-bit levels, the crop's mean at 128), Lucid's its raw image rounded.
    func testShownImage_RebuildsTheImageShown() throws {
        let plain = try FilterAscent(
            model: model, layer: "block2_conv1", settings: AscentSettings(size: 32, steps: 3)
        ).run(filters: [0, 1])
        let lucid = try FeatureVis(
            model: model, layer: "block2_conv1", settings: FeatureVisSettings(size: 32, steps: 3)
        ).run(filters: [0, 1])
        for i in plain {
            let shown = try ShownImage.plain(i, size: 32)
            XCTAssertEqual(shown.count, 32 * 32 * 3)
            XCTAssertTrue(shown.allSatisfy { (0...255).contains($0) && $0 == $0.rounded() })
            let centre = i.rgb.reduce(0.0) { $0 + Double($1) } / Double(i.rgb.count)
            XCTAssertEqual(centre, 128, accuracy: 3, "filter \(i.filter)")
            XCTAssertGreaterThan(zip(shown, i.raw).map { abs($0 - $1) }.max()!, 1, "plain's shown image is rescaled")
        }
        for i in lucid {
            let shown = try ShownImage.lucid(i, size: 32)
            XCTAssertLessThanOrEqual(zip(shown, i.raw).map { abs($0 - $1) }.max()!, 0.5)
        }
        XCTAssertThrowsError(try ShownImage.lucid(plain[0], size: 32), "not the image shown") {
            XCTAssertEqual($0 as? ShownImageError, .differs(filter: 0))
        }
    }

    func testFeatureVis_ImageDoesNotDependOnItsBatch() throws {
        let settings = FeatureVisSettings(size: 48, steps: 6)
        let alone = try FeatureVis(model: model, layer: "block3_conv1", settings: settings, cores: 1).run(filters: [2])[
            0]
        let batched = try FeatureVis(model: model, layer: "block3_conv1", settings: settings, cores: 2).run(filters: [
            0, 1, 2, 3,
        ])[2]
        XCTAssertEqual(batched.filter, 2)
        let diff = zip(alone.raw, batched.raw).map { abs($0 - $1) }.max()!
        print("same filter alone vs in a batch: max difference \(diff) (0–255 scale)")
        XCTAssertLessThan(diff, 1e-2)
        let other = try FeatureVis(
            model: model, layer: "block3_conv1", settings: FeatureVisSettings(size: 48, steps: 6, seed: 2), cores: 1)
        XCTAssertNotEqual(alone.raw, try other.run(filters: [2])[0].raw, "another seed, another start")
    }

    /// The activation the images report is what an independent runner measures on the final image.
    func testFeatureVis_FinalActivation_IsTheFilterResponseToTheImage() throws {
        let settings = FeatureVisSettings(size: 64, steps: 8)
        let images = try FeatureVis(model: model, layer: "block3_conv1", settings: settings).run(filters: [0, 2, 3])
        let response = try FilterResponse(model: model, layer: "block3_conv1", size: 64)
        for i in images {
            let measured = try response.meanActivation(i.raw, filter: i.filter)
            XCTAssertEqual(measured, i.finalActivation, accuracy: 1e-4 * max(abs(measured), 1), "filter \(i.filter)")
        }
    }

    /// A neuron objective raises the centre of the map more than its mean; DeepDream starts from the photo and
    /// keeps it recognisable while raising the layer's mean square.
    func testFeatureVis_NeuronAndLayerObjectives() throws {
        // On the tiny random network a jittered view moves a single neuron's input far; without views it must rise.
        var still = FeatureVisSettings(size: 64, steps: 16, objective: .neuron)
        still.jitter = 0
        still.scaleSpread = 0
        still.rotation = 0
        let neuron = try FeatureVis(model: model, layer: "block3_conv1", settings: still)
        for i in try neuron.run(filters: [0, 1, 2]) {
            XCTAssertGreaterThan(i.finalActivation, max(i.startActivation, 0), "filter \(i.filter)")
        }

        var rng = SeededRandom(seed: 12)
        var photo = [UInt8](repeating: 0, count: 64 * 64 * 3)
        for y in 0..<64 {
            for x in 0..<64 {
                for c in 0..<3 { photo[(y * 64 + x) * 3 + c] = UInt8(40 + (x * 2 + c * 30 + (y / 8) * 20) % 180) }
            }
        }
        photo = photo.map { UInt8(min(255, Int($0) + Int(rng.next() % 8))) }
        var settings = FeatureVisSettings(size: 64, steps: 10, objective: .layer)
        settings.startFromPhoto()
        let dream = try FeatureVis(model: model, layer: "block2_conv2", settings: settings)
        let job = try FeatureVisJob(dream, filters: [0], photo: photo)
        var images: [FilterImage] = []
        while !job.isFinished { images += job.step() }
        let d = images[0]
        XCTAssertGreaterThan(d.finalActivation, d.startActivation, "DeepDream raises the layer's mean square")
        let x = photo.map(Double.init)
        let y = d.raw.map(Double.init)
        let mx = x.reduce(0, +) / Double(x.count)
        let my = y.reduce(0, +) / Double(y.count)
        let cov = zip(x, y).reduce(0.0) { $0 + ($1.0 - mx) * ($1.1 - my) }
        let r =
            cov
            / (x.reduce(0.0) { $0 + ($1 - mx) * ($1 - mx) } * y.reduce(0.0) { $0 + ($1 - my) * ($1 - my) }).squareRoot()
        print("DeepDream: mean square \(d.startActivation) → \(d.finalActivation); correlation with the photo \(r)")
        XCTAssertGreaterThan(r, 0.6, "the dream is still the photo")
        XCTAssertThrowsError(try FeatureVisJob(dream, filters: [0], photo: [1, 2, 3])) { error in
            XCTAssertEqual("\(error)", "the photo has 1 pixels; DeepDream needs it resized to 64×64 (4096 pixels)")
        }
    }

    /// The spectrum is flat below twice the layer's receptive field, held at 1/80 cycles per pixel: block1_conv1
    /// (3 px), block2_conv1 (10 px) and block3_conv1 (24 px: 1/48) are held; five fields of block3_conv1 give 1/120;
    /// block5_conv1's 132 px gives 1/264, under 1/side, which changes nothing. Off, and for a start from a photo,
    /// Lucid's spectrum. The images' basis is built with it.
    func testFeatureVisSettings_FlatSpectrum_FollowsTheReceptiveField() throws {
        func flat(_ layer: String, _ s: FeatureVisSettings = FeatureVisSettings()) throws -> Float {
            s.flatBelow(try s.validate(for: try model.hiddenLayer(layer), in: model))
        }
        XCTAssertEqual(try flat("block1_conv1"), 1 / 80)
        XCTAssertEqual(try flat("block2_conv1"), 1 / 80, accuracy: 1e-7)
        XCTAssertEqual(try flat("block3_conv1"), 1 / 80, accuracy: 1e-7)
        var wider = FeatureVisSettings()
        wider.fieldsFlat = 5
        XCTAssertEqual(try flat("block3_conv1", wider), 1 / 120, accuracy: 1e-7)
        XCTAssertEqual(try flat("block5_conv1"), 1 / 264, accuracy: 1e-7)
        var off = FeatureVisSettings()
        off.fieldsFlat = 0
        XCTAssertEqual(try flat("block2_conv1", off), 0)
        var photo = FeatureVisSettings()
        photo.startFromPhoto()
        XCTAssertEqual(try flat("block2_conv1", photo), 0)
        XCTAssertEqual(photo.pooledMoment, 0, "a dream steps with Adam")
        XCTAssertEqual(photo.decay, 1.35)
        let settings = FeatureVisSettings(size: 96, steps: 1)
        let vis = try FeatureVis(model: model, layer: "block2_conv1", settings: settings)
        let expected = FourierImage(
            side: 96, decay: settings.decay, colourPower: settings.colourPower, flatBelow: 1 / 80)
        XCTAssertEqual(vis.param.scale, expected.scale)
        XCTAssertNotEqual(vis.param.scale, FourierImage(side: 96, decay: settings.decay).scale)
    }

    func testFeatureVisSettings_BadRequests_SayWhatToDo() {
        func error(_ layer: String, _ s: FeatureVisSettings = FeatureVisSettings(), filters: [Int] = [0]) -> String {
            do {
                _ = try FeatureVis(model: model, layer: layer, settings: s).run(filters: filters)
                return "no error"
            } catch { return "\(error)" }
        }
        XCTAssertTrue(error("block2_pool").hasPrefix("block2_pool is not a convolution"))
        XCTAssertEqual(
            error("block1_conv1", FeatureVisSettings(size: 100)),
            "image size 100 is not allowed: use a multiple of 16 from 16 to 1024 (default 96)")
        XCTAssertEqual(
            error("block1_conv1", FeatureVisSettings(steps: 0)), "0 steps is not allowed: use 1 to 1000 (default 36)")
        XCTAssertEqual(
            error("block1_conv1", FeatureVisSettings(learningRate: -1)),
            "learning rate -1.0 is not allowed: use a positive number up to 10 (default 0.25)")
        var s = FeatureVisSettings()
        s.jitter = 100
        XCTAssertTrue(error("block1_conv1", s).contains("jitter of 0–64 pixels"))
        s = FeatureVisSettings()
        s.still = 1.5
        XCTAssertTrue(error("block1_conv1", s).contains("the still steps shares of 0–1"))
        s = FeatureVisSettings()
        s.colourPower = -1
        XCTAssertTrue(error("block1_conv1", s).contains("the colour power 0–1"))
        s = FeatureVisSettings()
        s.fieldsFlat = 20
        XCTAssertTrue(error("block1_conv1", s).contains("the flat spectrum's 0–16 receptive fields"))
        s = FeatureVisSettings()
        s.wake = 2
        XCTAssertTrue(error("block1_conv1", s).contains("the waking share and steps and the pooled moment 0–1"))
        s = FeatureVisSettings()
        s.pooledMoment = 1.5
        XCTAssertTrue(error("block1_conv1", s).contains("the pooled moment 0–1"))
        XCTAssertEqual(
            error("block5_conv1", FeatureVisSettings(size: 64)),
            "at image size 64, block5_conv1's map is only 4×4 pixels, too small to leave out its border: "
                + "use --size 80 or more"
        )
        XCTAssertEqual(error("block1_conv1", filters: [1, 9]), "filter 9 does not exist: this layer has filters 0…1")
    }
}
