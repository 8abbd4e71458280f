import ConvEngine
import XCTest

/// `Float64Pass`, the gradient methods' float64 path, on a small model with every layer kind the runner knows: its
/// forward against the float32 runner's, its input gradient against finite differences taken in float64 (tight
/// enough that a pass secretly in float32 fails) and against the runner's gradient, for each ReLU rule and both
/// scores; and the methods' precision switch.
final class Float64PassTests: XCTestCase {
    /// Zero padding, a strided 'valid' convolution, BatchNorm, LeakyReLU, average and max pools, a ReLU
    /// convolution, tanh, sigmoid, flatten in C·H·W order, dense layers and dropout: 4 classes by softmax.
    private func chain(seed: UInt64) throws -> Model {
        var rng = SeededRandom(seed: seed)
        let kinds: [LayerKind] = [
            .zeroPadding(.explicit(top: 1, left: 1, bottom: 2, right: 0)),
            randomConv(&rng, kh: 3, kw: 3, 3, 4, strides: (2, 2), padding: .valid),
            .channelAffine(
                .batchNormalization(
                    gamma: rng.floats(4, 0.5, 2), beta: rng.floats(4), mean: rng.floats(4),
                    variance: rng.floats(4, 0.1, 3), epsilon: 1e-3)),
            .activation(.leakyReLU(alpha: 0.3)),
            .averagePool(PoolParameters(size: (2, 2), strides: (1, 1), padding: .same)),
            randomConv(&rng, kh: 3, kw: 3, 4, 6, padding: .same, activation: .relu),
            .maxPool(PoolParameters(size: (2, 2), strides: (2, 2), padding: .valid)),
            .activation(.tanh),
            .flatten(.chw),
            randomDense(&rng, 3 * 3 * 6, 9, activation: .relu),
            .dropout,
            randomDense(&rng, 9, 7, activation: .sigmoid),
            randomDense(&rng, 7, 4),
        ]
        return try Model(
            name: "chain", format: "test", sourceName: "chain", input: TensorShape(11, 12, 3), preprocessing: .none,
            layers: kinds.enumerated().map { Layer("layer\($0.offset)", $0.element) })
    }

    private func score(_ pass: Float64Pass, _ x: [Double], classIndex: Int, _ kind: CAMScore) -> Double {
        let logits = pass.forward(x).last!
        guard kind == .probability else { return logits[classIndex] }
        let top = logits.max()!
        let e = logits.map { exp($0 - top) }
        return e[classIndex] / e.reduce(0, +)
    }

    /// Signs of every layer's outputs: a finite difference that changes them straddles a ReLU's kink (a max-pool's
    /// switch is not caught, but at ε = 1e-5 none happened here).
    private func pattern(_ pass: Float64Pass, _ x: [Double]) -> [Int] {
        pass.forward(x).flatMap { $0.map { $0 > 0 ? 1 : 0 } }
    }

    func testFloat64Pass_EveryLayerKind_MatchesRunnerForward() throws {
        let model = try chain(seed: 11)
        XCTAssertEqual(model.output, .softmax)
        var rng = SeededRandom(seed: 12)
        let x = rng.floats(model.input.count)
        let runner = Runner(model: model)
        let ours = Float64Pass(model: model).forward(x.map(Double.init))
        let theirs = try runner.forward(FeatureMap(height: 11, width: 12, channels: 3, data: x))
        XCTAssertEqual(ours.count, model.layers.count)
        for (i, layer) in model.layers.enumerated() {
            let error = maxRelativeError(ours[i], theirs.outputs[i].data.map(Double.init))
            XCTAssertLessThan(error, 1e-5, "\(layer.name) (\(layer.kind.typeName))")
        }
    }

    /// Central differences in float64 at ε = 1e-5: within one activation pattern the network is smooth apart from
    /// tanh and sigmoid, so the difference is exact to ~1e-9 of the largest gradient; a float32 pass is off by ~1e-3.
    func testFloat64PassInputGradient_MatchesFloat64FiniteDifferences() throws {
        let model = try chain(seed: 21)
        let pass = Float64Pass(model: model)
        var rng = SeededRandom(seed: 22)
        let x = rng.floats(model.input.count).map(Double.init)
        for kind in [CAMScore.logit, .probability] {
            let g = try pass.inputGradient(at: x, classIndex: 2, score: kind)
            let scale = g.map(abs).max()!
            XCTAssertGreaterThan(scale, 1e-3, "the gradient must not be vacuous")
            let base = pattern(pass, x)
            var worst = 0.0
            var checked = 0
            var v = x
            let eps = 1e-5
            for j in x.indices {
                v[j] = x[j] + eps
                let plus = score(pass, v, classIndex: 2, kind)
                let plusPattern = pattern(pass, v)
                v[j] = x[j] - eps
                let minus = score(pass, v, classIndex: 2, kind)
                let minusPattern = pattern(pass, v)
                v[j] = x[j]
                guard plusPattern == base && minusPattern == base else { continue }
                worst = max(worst, abs((plus - minus) / (2 * eps) - g[j]) / scale)
                checked += 1
            }
            print("Float64Pass \(kind): gradient within \(worst) of float64 finite differences (\(checked) checked)")
            XCTAssertGreaterThan(checked, x.count * 3 / 4, "too many coordinates at kinks")
            XCTAssertLessThan(worst, 1e-7, "\(kind): the gradient is not float64's")
        }
    }

    /// Each ReLU rule and score gives the float32 runner's gradient to float32's precision.
    func testFloat64PassInputGradient_EachRule_MatchesRunner() throws {
        var rng = SeededRandom(seed: 31)
        let model = try Model(
            name: "relu", format: "test", sourceName: "relu", input: TensorShape(8, 8, 3), preprocessing: .none,
            layers: [
                Layer("c1", randomConv(&rng, kh: 3, kw: 3, 3, 5, padding: .same, activation: .relu)),
                Layer("c2", randomConv(&rng, kh: 3, kw: 3, 5, 5, padding: .same, activation: .relu)),
                Layer("p", .maxPool(PoolParameters(size: (2, 2), strides: (2, 2), padding: .valid))),
                Layer("f", .flatten(.hwc)), Layer("d1", randomDense(&rng, 80, 12, activation: .relu)),
                Layer("d2", randomDense(&rng, 12, 5)),
            ])
        let runner = Runner(model: model)
        let x = FeatureMap(height: 8, width: 8, channels: 3, data: rng.floats(192))
        let a = try runner.forward(x)
        for rule in ReLURule.allCases {
            for kind in [CAMScore.logit, .probability] {
                let single = AttributionInputs(runner: runner, activations: a, classIndex: 1, score: kind)
                var double = single
                double.precision = .double
                let g32 = try single.gradient(rule: rule)
                let g64 = try double.gradient(rule: rule)
                let scale = Double(g32.map(abs).max()!)
                XCTAssertGreaterThan(scale, 1e-4, "\(rule) \(kind): not vacuous")
                let error = zip(g32, g64).map { abs(Double($0) - Double($1)) }.max()! / scale
                XCTAssertLessThan(error, 1e-5, "\(rule) \(kind)")
            }
        }
    }

    /// A two-class head of one sigmoid unit, after a global max pool and a global average pool: both classes and
    /// scores give the float32 runner's gradient.
    func testFloat64PassInputGradient_SigmoidHeadAndGlobalPools_MatchRunner() throws {
        var rng = SeededRandom(seed: 51)
        for pool in [LayerKind.globalMaxPool, .globalAveragePool] {
            let model = try Model(
                name: "sigmoid", format: "test", sourceName: "sigmoid", input: TensorShape(6, 7, 3),
                preprocessing: .none,
                layers: [
                    Layer("c", randomConv(&rng, kh: 3, kw: 3, 3, 6, padding: .same, activation: .relu)),
                    Layer("g", pool), Layer("d", randomDense(&rng, 6, 1, activation: .sigmoid)),
                ])
            XCTAssertEqual(model.output, .sigmoid)
            let runner = Runner(model: model)
            let a = try runner.forward(FeatureMap(height: 6, width: 7, channels: 3, data: rng.floats(126)))
            for k in 0..<2 {
                for kind in [CAMScore.logit, .probability] {
                    let single = AttributionInputs(runner: runner, activations: a, classIndex: k, score: kind)
                    var double = single
                    double.precision = .double
                    let g32 = try single.gradient()
                    let g64 = try double.gradient()
                    let scale = Double(g32.map(abs).max()!)
                    XCTAssertGreaterThan(scale, 1e-5, "\(pool.typeName) class \(k) \(kind): not vacuous")
                    let error = zip(g32, g64).map { abs(Double($0) - Double($1)) }.max()! / scale
                    XCTAssertLessThan(error, 1e-5, "\(pool.typeName) class \(k) \(kind)")
                }
            }
        }
    }

    /// Integrated Gradients and SmoothGrad take their path points in float64 too, and land on the float32 maps;
    /// occlusion and guided Grad-CAM, which are not made of input gradients, refuse float64 by name.
    func testAttributionPrecision_GradientMethodsRunAndOthersRefuse() throws {
        let model = try chain(seed: 41)
        let runner = Runner(model: model)
        var rng = SeededRandom(seed: 42)
        let a = try runner.forward(FeatureMap(height: 11, width: 12, channels: 3, data: rng.floats(model.input.count)))
        for method in [IntegratedGradients(steps: 8, baseline: .blurred), SmoothGrad(samples: 3, sigma: 0.1)]
            as [any AttributionMethod]
        {
            let single = try runner.attribution(method, a, classIndex: 0)
            let double = try runner.attribution(method, a, classIndex: 0, precision: .double)
            let scale = single.map(abs).max()!
            let error = zip(single, double).map { abs($0 - $1) }.max()! / scale
            XCTAssertLessThan(error, 1e-4, method.title)
            XCTAssertNotEqual(single, double, "\(method.title): the float64 path ran")
        }
        for method in [Occlusion(window: 4, stride: 4), GuidedGradCAM()] as [any AttributionMethod] {
            XCTAssertThrowsError(try runner.attribution(method, a, classIndex: 0, precision: .double)) {
                XCTAssertEqual($0 as? EngineError, .notInFloat64(method: method.title))
                XCTAssertTrue("\($0)".contains("--precision single"), "\($0)")
            }
        }
    }
}
