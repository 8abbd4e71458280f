import ConvEngine
import XCTest

/// The `Runner` through the layer kinds VGG16 does not use: a strided 'valid' convolution (ConvGeneral), 'same'
/// average pooling, BatchNormalization (a channel affine), LeakyReLU, ZeroPadding2D, GlobalAveragePooling2D,
/// Flatten in PyTorch's C·H·W order and Dense. Each backward is checked against central finite differences of the
/// runner's own forward pass (L = Σ w·y over the last layer's output, w seeded), and each forward against direct
/// loops in Double written here from the layers' definitions.
final class RunnerOpsTests: XCTestCase {
    // MARK: Helpers

    private func model(_ input: TensorShape, _ kinds: [LayerKind]) throws -> Model {
        try Model(
            name: "ops", format: "test", sourceName: "ops", input: input, preprocessing: .none,
            layers: kinds.enumerated().map { Layer("layer\($0.offset)", $0.element) }, splitOutput: false)
    }

    /// Each layer's output from direct loops in Double, on the resolved layers of `model`.
    private func reference(_ model: Model, _ input: FeatureMap) -> [Double] {
        var x = input.data.map(Double.init)
        var s = model.input
        for layer in model.layers {
            let o = layer.output
            var y = [Double](repeating: 0, count: o.count)
            func activate(_ a: Activation, _ v: inout [Double]) {
                for i in v.indices {
                    switch a {
                    case .linear: break
                    case .relu: v[i] = max(v[i], 0)
                    case .leakyReLU(let alpha): if v[i] < 0 { v[i] *= Double(alpha) }
                    case .sigmoid: v[i] = 1 / (1 + exp(-v[i]))
                    case .tanh: v[i] = Foundation.tanh(v[i])
                    case .softmax: XCTFail("softmax is no layer")
                    }
                }
            }
            switch layer.kind {
            case .conv2D(let c):
                guard case .explicit(let top, let left, _, _) = c.padding else {
                    XCTFail("unresolved padding")
                    return []
                }
                for oy in 0..<o.height {
                    for ox in 0..<o.width {
                        for k in 0..<c.outChannels {
                            var sum = Double(c.bias![k])
                            for ky in 0..<c.kernelHeight {
                                for kx in 0..<c.kernelWidth {
                                    let iy = oy * c.strides.0 + ky - top
                                    let ix = ox * c.strides.1 + kx - left
                                    guard iy >= 0, iy < s.height, ix >= 0, ix < s.width else { continue }
                                    for ci in 0..<c.inChannels {
                                        sum +=
                                            x[(iy * s.width + ix) * s.channels + ci]
                                            * Double(
                                                c.kernel[
                                                    ((ky * c.kernelWidth + kx) * c.inChannels + ci) * c.outChannels + k]
                                            )
                                    }
                                }
                            }
                            y[(oy * o.width + ox) * o.channels + k] = sum
                        }
                    }
                }
                activate(c.activation, &y)
            case .dense(let d):
                for j in 0..<d.outputs {
                    y[j] =
                        Double(d.bias![j])
                        + (0..<d.inputs).reduce(0) { $0 + x[$1] * Double(d.kernel[$1 * d.outputs + j]) }
                }
                activate(d.activation, &y)
            case .channelAffine(let a):
                for i in x.indices {
                    let c = a.scale.count == 1 ? 0 : i % s.channels
                    y[i] = x[i] * Double(a.scale[c]) + Double(a.shift[c])
                }
            case .activation(let a):
                y = x
                activate(a, &y)
            case .maxPool(let p), .averagePool(let p):
                guard case .explicit(let top, let left, _, _) = p.padding else {
                    XCTFail("unresolved padding")
                    return []
                }
                var isMax = false
                if case .maxPool = layer.kind { isMax = true }
                for oy in 0..<o.height {
                    for ox in 0..<o.width {
                        for c in 0..<s.channels {
                            var values: [Double] = []  // padded positions are left out, of the maximum and of the count
                            for ky in 0..<p.size.0 {
                                for kx in 0..<p.size.1 {
                                    let iy = oy * p.strides.0 + ky - top
                                    let ix = ox * p.strides.1 + kx - left
                                    if iy >= 0, iy < s.height, ix >= 0, ix < s.width {
                                        values.append(x[(iy * s.width + ix) * s.channels + c])
                                    }
                                }
                            }
                            y[(oy * o.width + ox) * o.channels + c] =
                                isMax ? values.max()! : values.reduce(0, +) / Double(values.count)
                        }
                    }
                }
            case .globalAveragePool, .globalMaxPool:
                var isMax = false
                if case .globalMaxPool = layer.kind { isMax = true }
                for c in 0..<s.channels {
                    let values = (0..<(s.height * s.width)).map { x[$0 * s.channels + c] }
                    y[c] = isMax ? values.max()! : values.reduce(0, +) / Double(values.count)
                }
            case .zeroPadding(let p):
                guard case .explicit(let top, let left, _, _) = p else {
                    XCTFail("unresolved padding")
                    return []
                }
                for iy in 0..<s.height {
                    for ix in 0..<s.width {
                        for c in 0..<s.channels {
                            y[((iy + top) * o.width + ix + left) * o.channels + c] =
                                x[(iy * s.width + ix) * s.channels + c]
                        }
                    }
                }
            case .flatten(let order):
                for iy in 0..<s.height {
                    for ix in 0..<s.width {
                        for c in 0..<s.channels {
                            let from = (iy * s.width + ix) * s.channels + c
                            y[order == .hwc ? from : (c * s.height + iy) * s.width + ix] = x[from]
                        }
                    }
                }
            case .dropout:
                y = x
            }
            x = y
            s = o
        }
        return x
    }

    /// Signs of every non-linear activation's output: a finite difference whose ±eps runs change one straddles a kink.
    private func pattern(_ model: Model, _ a: Activations) -> [Int32] {
        var p: [Int32] = []
        for (i, layer) in model.layers.enumerated() {
            let act: Activation
            switch layer.kind {
            case .conv2D(let c): act = c.activation
            case .dense(let d): act = d.activation
            case .activation(let x): act = x
            default: continue
            }
            if act != .linear { p += a.outputs[i].data.map { $0 > 0 ? 1 : 0 } }
        }
        return p
    }

    /// The runner's forward against the Double loops, then ∂(Σ w·y)/∂x from `Runner.backward` against finite
    /// differences of the runner's forward.
    @discardableResult
    private func check(
        _ model: Model, seed: UInt64, label: String, file: StaticString = #filePath, line: UInt = #line
    ) throws -> FiniteDifferences {
        var rng = SeededRandom(seed: seed)
        let s = model.input
        let x = FeatureMap(height: s.height, width: s.width, channels: s.channels, data: rng.floats(s.count))
        let last = model.layers.count - 1
        let w = rng.floats(model.layers[last].output.count)
        let runner = Runner(model: model)
        let acts = try runner.forward(x)
        let forwardError = maxRelativeError(acts.outputs[last].data.map(Double.init), reference(model, x))
        XCTAssertLessThan(forwardError, 1e-5, "\(label): forward", file: file, line: line)

        let g = runner.backward(w, from: last, to: -1, activations: acts)
        XCTAssertEqual(g.count, x.data.count, file: file, line: line)
        XCTAssertGreaterThan(
            g.map(abs).max() ?? 0, 1e-3, "\(label): the gradient must not be vacuous", file: file, line: line)
        let fd = FiniteDifferences(x: x.data, analytic: g, eps: 1e-2) { v in
            let a = try! runner.forward(FeatureMap(height: s.height, width: s.width, channels: s.channels, data: v))
            return (zip(a.outputs[last].data, w).reduce(0) { $0 + Double($1.0) * Double($1.1) }, self.pattern(model, a))
        }
        print(
            "\(label): forward max error \(forwardError), backward max error \(fd.maxError) (\(fd.checked) checked, \(fd.skipped) at kinks)"
        )
        XCTAssertLessThan(fd.maxError, 1e-3, "\(label): backward", file: file, line: line)
        XCTAssertGreaterThan(
            fd.checked, x.data.count * 3 / 4, "\(label): too many coordinates at kinks", file: file, line: line)
        return fd
    }

    private func parameters(_ model: Model, _ i: Int) -> Conv2DParameters {
        guard case .conv2D(let c) = model.layers[i].kind else { preconditionFailure("layer \(i) is no convolution") }
        return c
    }

    // MARK: Layer kinds

    /// A 3×2 kernel at strides (2, 3) with no padding, then a 'same' 3×3 at stride 2 (padded one pixel more at the
    /// bottom and right than at the top and left, as TensorFlow does): both run as ConvGeneral.
    func testRunnerBackward_StridedValidAndSameConvolutions_MatchFiniteDifferences() throws {
        var rng = SeededRandom(seed: 201)
        let m = try model(
            TensorShape(9, 10, 3),
            [
                randomConv(&rng, kh: 3, kw: 2, 3, 4, strides: (2, 3), padding: .valid),
                randomConv(&rng, kh: 3, kw: 3, 4, 5, strides: (2, 2), padding: .same),
            ])
        XCTAssertEqual(m.layers.map(\.output), [TensorShape(4, 3, 4), TensorShape(2, 2, 5)])
        XCTAssertEqual(parameters(m, 0).padding, .explicit(top: 0, left: 0, bottom: 0, right: 0))
        XCTAssertEqual(parameters(m, 1).padding, .explicit(top: 0, left: 1, bottom: 1, right: 1))
        try check(m, seed: 202, label: "strided convolutions")
    }

    /// 3×3 windows at stride 2 over 6×7, 'same': one padded row at the bottom, one column each side; the padded
    /// positions are left out of each average (Keras's count_include_pad = False).
    func testRunnerBackward_AveragePoolSame_MatchesFiniteDifferencesAndLeavesPaddingOutOfTheMean() throws {
        let m = try model(
            TensorShape(6, 7, 3), [.averagePool(PoolParameters(size: (3, 3), strides: (2, 2), padding: .same))])
        XCTAssertEqual(m.layers[0].output, TensorShape(3, 4, 3))
        guard case .averagePool(let p) = m.layers[0].kind else { return XCTFail() }
        XCTAssertEqual(p.padding, .explicit(top: 0, left: 1, bottom: 1, right: 1))
        var rng = SeededRandom(seed: 211)
        let x = FeatureMap(height: 6, width: 7, channels: 3, data: rng.floats(6 * 7 * 3))
        let y = try Runner(model: m).forward(x).outputs[0]
        // Output (0, 0) of channel 1: rows 0…2, columns −1…1 of which 0 and 1 exist: the mean of 6 values, not 9.
        let corner = (0..<3).flatMap { r in (0..<2).map { c in Double(x.data[(r * 7 + c) * 3 + 1]) } }
        XCTAssertEqual(Double(y.data[1]), corner.reduce(0, +) / 6, accuracy: 1e-6)
        try check(m, seed: 212, label: "average pool 'same'")
    }

    /// BatchNormalization after a convolution: y = γ(x − μ)/√(σ² + ε) + β per channel.
    func testRunnerBackward_BatchNorm_MatchesFiniteDifferencesAndTheFormula() throws {
        var rng = SeededRandom(seed: 221)
        let gamma = rng.floats(4, 0.5, 2)
        let beta = rng.floats(4)
        let mean = rng.floats(4)
        let variance = rng.floats(4, 0.1, 3)
        let eps = 1e-3
        let m = try model(
            TensorShape(5, 6, 3),
            [
                randomConv(&rng, kh: 3, kw: 3, 3, 4, padding: .same),
                .channelAffine(
                    .batchNormalization(gamma: gamma, beta: beta, mean: mean, variance: variance, epsilon: eps)),
            ])
        XCTAssertEqual(m.hiddenLayers.count, 1, "BatchNormalization folds into the convolution's hidden layer")
        XCTAssertEqual(m.hiddenLayers.first.map { [$0.first, $0.last] }, [0, 1])
        let x = FeatureMap(height: 5, width: 6, channels: 3, data: rng.floats(5 * 6 * 3))
        let a = try Runner(model: m).forward(x)
        var worst = 0.0
        for (i, v) in a.outputs[0].data.enumerated() {
            let c = i % 4
            let expected =
                Double(gamma[c]) * (Double(v) - Double(mean[c])) / (Double(variance[c]) + eps).squareRoot()
                + Double(beta[c])
            worst = max(worst, abs(Double(a.outputs[1].data[i]) - expected))
        }
        XCTAssertLessThan(worst, 1e-5)
        try check(m, seed: 222, label: "BatchNorm")
    }

    /// LeakyReLU passes α of the gradient where its output is negative; both slopes must be exercised.
    func testRunnerBackward_LeakyReLU_MatchesFiniteDifferencesOnBothSlopes() throws {
        let m = try model(TensorShape(4, 5, 3), [.activation(.leakyReLU(alpha: 0.2))])
        let fd = try check(m, seed: 232, label: "LeakyReLU")
        XCTAssertLessThanOrEqual(fd.skipped, 2, "only inputs within eps of 0 straddle the kink")
        var inputs = SeededRandom(seed: 233)
        let x = FeatureMap(height: 4, width: 5, channels: 3, data: inputs.floats(60))
        let runner = Runner(model: m)
        let a = try runner.forward(x)
        XCTAssertEqual(a.outputs[0].data, x.data.map { $0 > 0 ? $0 : 0.2 * $0 })
        XCTAssertGreaterThan(x.data.filter { $0 < 0 }.count, 10)
        XCTAssertGreaterThan(x.data.filter { $0 > 0 }.count, 10)
        let ones = [Float](repeating: 1, count: x.data.count)
        XCTAssertEqual(runner.backward(ones, from: 0, to: -1, activations: a), x.data.map { $0 > 0 ? 1 : 0.2 })
    }

    /// Zero padding of 1 row on top, 2 columns left, none below, 3 columns right: the gradient is the padded map's,
    /// cropped.
    func testRunnerBackward_ZeroPadding_MatchesFiniteDifferences() throws {
        var rng = SeededRandom(seed: 241)
        let m = try model(
            TensorShape(4, 5, 2),
            [
                .zeroPadding(.explicit(top: 1, left: 2, bottom: 0, right: 3)),
                randomConv(&rng, kh: 2, kw: 3, 2, 3, strides: (1, 2), padding: .valid),
            ])
        XCTAssertEqual(m.layers.map(\.output), [TensorShape(5, 10, 2), TensorShape(4, 4, 3)])
        try check(m, seed: 242, label: "zero padding")
    }

    /// GlobalAveragePooling2D then a Dense head: every pixel of a channel gets 1/(H·W) of its gradient.
    func testRunnerBackward_GlobalAveragePoolAndDense_MatchFiniteDifferences() throws {
        var rng = SeededRandom(seed: 251)
        let m = try model(TensorShape(4, 6, 3), [.globalAveragePool, randomDense(&rng, 3, 5)])
        XCTAssertEqual(m.layers.map(\.output), [TensorShape(1, 1, 3), TensorShape(1, 1, 5)])
        try check(m, seed: 252, label: "global average pool + dense")
    }

    /// Flatten in C·H·W order (PyTorch's) then Dense layers: a wrong order would send each gradient to another pixel.
    func testRunnerBackward_FlattenCHWAndDense_MatchFiniteDifferences() throws {
        var rng = SeededRandom(seed: 261)
        let m = try model(
            TensorShape(3, 4, 5),
            [.flatten(.chw), randomDense(&rng, 60, 8, activation: .leakyReLU(alpha: 0.1)), randomDense(&rng, 8, 7)])
        try check(m, seed: 262, label: "flatten C·H·W + dense")
        // The order itself: a map whose value is its own C·H·W index flattens to 0, 1, 2, ….
        let ids = try model(TensorShape(3, 4, 5), [.flatten(.chw)])
        var v = [Float](repeating: 0, count: 60)
        for y in 0..<3 { for x in 0..<4 { for c in 0..<5 { v[(y * 4 + x) * 5 + c] = Float((c * 3 + y) * 4 + x) } } }
        let flat = try Runner(model: ids).forward(FeatureMap(height: 3, width: 4, channels: 5, data: v)).outputs[0].data
        XCTAssertEqual(flat, (0..<60).map(Float.init))
    }

    /// All of them in one chain, as a small non-VGG network would use them.
    func testRunnerBackward_WholeChain_MatchesFiniteDifferences() throws {
        var rng = SeededRandom(seed: 271)
        let m = try model(
            TensorShape(11, 12, 3),
            [
                .zeroPadding(.explicit(top: 1, left: 1, bottom: 2, right: 0)),
                randomConv(&rng, kh: 3, kw: 3, 3, 4, strides: (2, 2), padding: .valid),
                .channelAffine(
                    .batchNormalization(
                        gamma: rng.floats(4, 0.5, 2), beta: rng.floats(4), mean: rng.floats(4),
                        variance: rng.floats(4, 0.1, 3), epsilon: 1e-3)),
                .activation(.leakyReLU(alpha: 0.3)),
                .averagePool(PoolParameters(size: (2, 2), strides: (2, 2), padding: .same)),
                randomConv(&rng, kh: 3, kw: 3, 4, 6, padding: .same),
                .flatten(.chw),
                randomDense(&rng, 3 * 3 * 6, 9, activation: .leakyReLU(alpha: 0.2)),
                .dropout,
                randomDense(&rng, 9, 4),
            ])
        XCTAssertEqual(m.layers[1].output, TensorShape(6, 6, 4))
        XCTAssertEqual(m.layers[4].output, TensorShape(3, 3, 4))
        try check(m, seed: 272, label: "whole chain")

        let gap = try model(
            TensorShape(11, 12, 3),
            [
                randomConv(&rng, kh: 3, kw: 3, 3, 4, strides: (2, 2), padding: .valid),
                .activation(.leakyReLU(alpha: 0.3)),
                .globalAveragePool,
                randomDense(&rng, 4, 3),
            ])
        try check(gap, seed: 273, label: "chain with global average pool")
    }

    // MARK: ReLU rules

    /// The deconvnet passes a gradient through a ReLU wherever it is positive, whatever the unit did (100 values:
    /// whole vectors of 8 and a tail).
    func testReLURuleDeconvnet_KeepsPositiveGradientsWhateverTheUnit() throws {
        var rng = SeededRandom(seed: 283)
        let m = try model(
            TensorShape(5, 5, 3), [randomConv(&rng, kh: 3, kw: 3, 3, 4, padding: .same), .activation(.relu)])
        let runner = Runner(model: m)
        let a = try runner.forward(FeatureMap(height: 5, width: 5, channels: 3, data: rng.floats(75)))
        let y = a.outputs[1].data
        let g = rng.floats(y.count)
        XCTAssertGreaterThan(y.indices.filter { !(y[$0] > 0) && g[$0] > 0 }.count, 5, "positive gradients at off units")
        XCTAssertEqual(runner.backward(g, from: 1, to: 0, activations: a, rule: .deconvnet), g.map { $0 > 0 ? $0 : 0 })
    }

    /// Guided backpropagation passes a gradient through a ReLU only where both the unit's output and the gradient
    /// are positive; the plain rule keeps negative gradients of active units.
    func testReLURuleGuided_ZeroesNegativeGradients() throws {
        var rng = SeededRandom(seed: 281)
        let linear = randomConv(&rng, kh: 3, kw: 3, 3, 4, padding: .same)
        let m = try model(TensorShape(5, 5, 3), [linear, .activation(.relu)])
        let runner = Runner(model: m)
        let a = try runner.forward(FeatureMap(height: 5, width: 5, channels: 3, data: rng.floats(75)))
        let y = a.outputs[1].data
        let g = rng.floats(y.count)
        let activeNegative = y.indices.filter { y[$0] > 0 && g[$0] < 0 }.count
        XCTAssertGreaterThan(activeNegative, 5, "the test needs negative gradients at active units")
        XCTAssertGreaterThan(y.indices.filter { y[$0] > 0 && g[$0] > 0 }.count, 5)

        let guided = runner.backward(g, from: 1, to: 0, activations: a, rule: .guided)
        XCTAssertEqual(guided, y.indices.map { y[$0] > 0 && g[$0] > 0 ? g[$0] : 0 })
        XCTAssertFalse(guided.contains { $0 < 0 }, "guided backpropagation lets no negative gradient through")
        let plain = runner.backward(g, from: 1, to: 0, activations: a, rule: .plain)
        XCTAssertEqual(plain, y.indices.map { y[$0] > 0 ? g[$0] : 0 })
        XCTAssertEqual(plain.filter { $0 < 0 }.count, activeNegative)

        // The same through a convolution's own ReLU, down to the input: guided = the linear convolution's backward of
        // the guided-masked gradient.
        guard case .conv2D(var c) = linear else { return XCTFail() }
        c.activation = .relu
        let fused = Runner(model: try model(TensorShape(5, 5, 3), [.conv2D(c)]))
        let fa = try fused.forward(a.input)
        XCTAssertEqual(fa.outputs[0].data, y)
        let viaFused = fused.backward(g, from: 0, to: -1, activations: fa, rule: .guided)
        let viaMask = runner.backward(guided, from: 0, to: -1, activations: a)
        XCTAssertLessThan(maxAbsoluteDifference(viaFused, viaMask), 1e-6)
        XCTAssertGreaterThan(
            maxAbsoluteDifference(viaFused, fused.backward(g, from: 0, to: -1, activations: fa, rule: .plain)), 1e-3)
    }
}
