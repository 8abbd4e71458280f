import Foundation

/// A model run in float64 from input to score and back: every layer kind the runner knows, one image, with the
/// float32 weights widened exactly. Slow (float64 GEMMs, no Winograd) and meant for the gradient methods'
/// `--precision double`: where a ReLU or max-pool sits within float32 rounding of its kink at some point of an
/// Integrated Gradients path, float32 engines (ours, torch's) pick its side by rounding; float64 all but never does,
/// so its map is the one to hold two implementations to (`BackboneFidelityTests`).
public struct Float64Pass {
    public let model: Model
    let ways: Int

    public init(model: Model, ways: Int = Parallel.cores) {
        self.model = model
        self.ways = max(1, ways)
        Parallel.useSingleThreadedBLAS()  // the threads are ours, as the runner's
    }

    /// Every layer's output for one preprocessed input (the model's input shape, position-major).
    public func forward(_ input: [Double]) -> [[Double]] {
        precondition(input.count == model.input.count, "the model's input shape")
        var outputs: [[Double]] = []
        outputs.reserveCapacity(model.layers.count)
        for i in model.layers.indices {
            outputs.append(layer(i, input: i == 0 ? input : outputs[i - 1]))
        }
        return outputs
    }

    /// ∂score/∂input at `input` for class `classIndex`, the score as `score` says, with `rule` at every ReLU.
    public func inputGradient(
        at input: [Double], classIndex: Int, score: CAMScore = .logit, rule: ReLURule = .plain
    ) throws -> [Double] {
        guard model.hasClassifier else { throw EngineError.noClassifier(model: model.sourceName) }
        let outputs = forward(input)
        var dy = scoreGradient(logits: outputs[outputs.count - 1], classIndex: classIndex, score)
        for i in model.layers.indices.reversed() {
            dy = layerBackward(i, dy: dy, x: i == 0 ? input : outputs[i - 1], y: outputs[i], rule: rule)
        }
        return dy
    }

    /// ∂score/∂logits in float64, as `Classification.scoreGradient` in float32.
    func scoreGradient(logits: [Double], classIndex c: Int, _ kind: CAMScore) -> [Double] {
        if model.output == .sigmoid {
            let p = 1 / (1 + exp(-logits[0]))
            let sign: Double = c == 1 ? 1 : -1
            return [kind == .logit ? sign : sign * p * (1 - p)]
        }
        var g = [Double](repeating: 0, count: logits.count)
        switch kind {
        case .logit: g[c] = 1
        case .probability:
            let top = logits.max() ?? 0
            let e = logits.map { exp($0 - top) }
            let total = e.reduce(0, +)
            let p = e.map { $0 / total }
            for j in g.indices { g[j] = p[c] * ((j == c ? 1 : 0) - p[j]) }
        }
        return g
    }

    private func layer(_ i: Int, input x: [Double]) -> [Double] {
        let s = Runner.inputShape(model, i)
        let o = model.layers[i].output
        var y = [Double](repeating: 0, count: o.count)
        x.withUnsafeBufferPointer { xb in
            y.withUnsafeMutableBufferPointer { yb in
                let x = xb.baseAddress!
                let y = yb.baseAddress!
                switch model.layers[i].kind {
                case .conv2D(let c):
                    Float64Ops.convolution(
                        x: x, Runner.geometry(c, s, o), kernel: c.storage.withFloats { $0.map(Double.init) },
                        bias: c.bias, y: y,
                        ways: ways)
                    Float64Ops.activate(c.activation, y, count: o.count)
                case .dense(let d):
                    for j in 0..<d.outputs { y[j] = d.bias.map { Double($0[j]) } ?? 0 }
                    // A kernel not held (a long run's, a randomised one) is read a chunk of rows at a time.
                    d.forEachRows(ways: ways) { rows, k in
                        Float64Ops.addDense(x: x + rows.lowerBound, kernelRows: k, outputs: d.outputs, y: y)
                    }
                    Float64Ops.activate(d.activation, y, count: o.count)
                case .channelAffine(let p):
                    ElementWise.affine(p, x: x, y: y, pixels: s.height * s.width, channels: s.channels)
                case .activation(let a):
                    y.update(from: x, count: s.count)
                    Float64Ops.activate(a, y, count: s.count)
                case .maxPool(let p):
                    Pool2D.forward(max: true, x: x, batch: 1, Runner.geometry(p, s, o), y: y)
                case .averagePool(let p):
                    Pool2D.forward(max: false, x: x, batch: 1, Runner.geometry(p, s, o), y: y)
                case .globalAveragePool:
                    Reshaping.globalPool(max: false, x: x, batch: 1, in: s, y: y)
                case .globalMaxPool:
                    Reshaping.globalPool(max: true, x: x, batch: 1, in: s, y: y)
                case .zeroPadding(let p):
                    guard case .explicit(let top, let left, _, _) = p else { preconditionFailure("by Model.init") }
                    Reshaping.pad(x: x, batch: 1, in: s, top: top, left: left, out: o, y: y)
                case .flatten(let order):
                    Reshaping.flatten(order, x: x, batch: 1, in: s, y: y)
                case .dropout:
                    y.update(from: x, count: s.count)
                }
            }
        }
        return y
    }

    /// dy = ∂L/∂(layer i's output) → ∂L/∂(its input), from its input x and output y.
    private func layerBackward(_ i: Int, dy: [Double], x: [Double], y: [Double], rule: ReLURule) -> [Double] {
        let s = Runner.inputShape(model, i)
        let o = model.layers[i].output
        var g = dy
        var dx = [Double](repeating: 0, count: s.count)
        g.withUnsafeMutableBufferPointer { gb in
            dx.withUnsafeMutableBufferPointer { db in
                x.withUnsafeBufferPointer { xb in
                    y.withUnsafeBufferPointer { yb in
                        let g = gb.baseAddress!
                        let dx = db.baseAddress!
                        let x = xb.baseAddress!
                        let y = yb.baseAddress!
                        switch model.layers[i].kind {
                        case .conv2D(let c):
                            Float64Ops.activationBackward(c.activation, g, output: y, count: o.count, rule: rule)
                            Float64Ops.convolutionBackward(
                                dy: g, Runner.geometry(c, s, o), kernel: c.storage.withFloats { $0.map(Double.init) },
                                dx: dx,
                                ways: ways)
                        case .dense(let d):
                            Float64Ops.activationBackward(d.activation, g, output: y, count: o.count, rule: rule)
                            d.forEachRows(ways: ways) { rows, k in
                                Float64Ops.denseBackward(
                                    dy: g, kernel: k, inputs: rows.count, outputs: d.outputs, dx: dx + rows.lowerBound)
                            }
                        case .channelAffine(let p):
                            ElementWise.affineBackward(
                                p, dy: g, dx: dx, pixels: s.height * s.width, channels: s.channels)
                        case .activation(let a):
                            Float64Ops.activationBackward(a, g, output: y, count: o.count, rule: rule)
                            dx.update(from: g, count: s.count)
                        case .maxPool(let p):
                            Pool2D.backward(max: true, dy: g, x: x, batch: 1, Runner.geometry(p, s, o), dx: dx)
                        case .averagePool(let p):
                            Pool2D.backward(max: false, dy: g, x: x, batch: 1, Runner.geometry(p, s, o), dx: dx)
                        case .globalAveragePool:
                            Reshaping.globalPoolBackward(max: false, dy: g, x: x, batch: 1, in: s, dx: dx)
                        case .globalMaxPool:
                            Reshaping.globalPoolBackward(max: true, dy: g, x: x, batch: 1, in: s, dx: dx)
                        case .zeroPadding(let p):
                            guard case .explicit(let top, let left, _, _) = p else {
                                preconditionFailure("by Model.init")
                            }
                            Reshaping.padBackward(dy: g, batch: 1, in: s, top: top, left: left, out: o, dx: dx)
                        case .flatten(let order):
                            Reshaping.flatten(order, x: g, batch: 1, in: s, y: dx, backward: true)
                        case .dropout:
                            dx.update(from: g, count: s.count)
                        }
                    }
                }
            }
        }
        return dx
    }
}
