import COpenBLAS

/// One core's share of a filter-ascent batch: its own runner and buffers, sized once, and the steps over them.
/// Lanes run side by side with OpenBLAS single-threaded, so every loop of ours runs on all cores too. The runner
/// walks the model's layers up to the filter's hidden layer, Winograd wherever a 3×3 convolution allows it.
final class AscentLane {
    let runner: Runner
    let target: LayerInfo
    let settings: AscentSettings
    let capacity: Int
    private(set) var input: [Float]
    private var outputs: [[Float]]
    private var gradient: [Float], spare: [Float]
    /// Mean activations of the lane's images on the starting noise and after the last step.
    var start: [Float] = [], final: [Float] = []

    /// Floats one image needs in a lane: input, every layer's output, two gradient maps.
    static func floatsPerImage(_ model: Model) -> Int {
        let counts = model.layers.map(\.output.count)
        let widest = max(counts.max() ?? 0, model.input.count)
        return counts.reduce(model.input.count, +) + 2 * widest
    }

    /// `model` is the network truncated at the filter's hidden layer, at the settings' input size.
    init(model: Model, target: LayerInfo, settings: AscentSettings, capacity: Int) {
        runner = Runner(model: model, batch: capacity, ways: 1)
        self.target = target
        self.settings = settings
        self.capacity = capacity
        let widest = max(model.layers.map(\.output.count).max() ?? 0, model.input.count)
        input = [Float](repeating: 0, count: capacity * model.input.count)
        outputs = model.layers.map { [Float](repeating: 0, count: capacity * $0.output.count) }
        gradient = [Float](repeating: 0, count: capacity * widest)
        spare = gradient
    }

    private var model: Model { runner.model }

    /// The floats the lane's buffers hold, its runner's scratch included.
    var heldFloats: Int {
        input.count + outputs.reduce(0) { $0 + $1.count } + gradient.count + spare.count + runner.scratchFloats
    }

    /// Gray plus uniform noise, seeded per filter so a filter's image does not depend on its batch or lane.
    func seed(_ filters: [Int]) {
        let n = settings.size * settings.size
        for (b, f) in filters.enumerated() {
            var rng = SplitMix64(seed: settings.seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(f))
            let rgb = (0..<(n * 3)).map { _ in 128 + settings.noise * (2 * rng.nextUnitFloat() - 1) }
            let x = model.preprocessing.apply(rgb: rgb, height: settings.size, width: settings.size)
            input.replaceSubrange((b * n * 3)..<((b + 1) * n * 3), with: x.data)
        }
    }

    /// Every layer's output for the lane's first `count` images. When the filter's layer is itself the convolution,
    /// only each image's own filter is computed there (`filterForward`): nothing reads its other channels.
    func forward(_ filters: [Int]) {
        let n = filters.count
        for i in model.layers.indices {
            if i == model.layers.count - 1, case .conv2D(let c) = model.layers[i].kind {
                filterForward(filters, c)
                continue
            }
            let x = i == 0 ? input : outputs[i - 1]
            x.withUnsafeBufferPointer { xp in
                outputs[i].withUnsafeMutableBufferPointer { yp in
                    runner.forwardLayer(i, x: xp.baseAddress!, batch: n, y: yp.baseAddress!)
                }
            }
        }
    }

    /// Each image's own filter: the mean of the hidden layer's map with `border` pixels left out at each edge.
    func meanActivations(_ filters: [Int]) -> [Float] {
        let o = model.layers[model.layers.count - 1].output
        let e = settings.border
        let out = outputs[model.layers.count - 1]
        return filters.enumerated().map { b, f in
            var sum: Float = 0
            for y in e..<(o.height - e) {
                for x in e..<(o.width - e) { sum += out[((b * o.height + y) * o.width + x) * o.channels + f] }
            }
            return sum / Float((o.height - 2 * e) * (o.width - 2 * e))
        }
    }

    /// The activation the hidden layer ends in (its convolution's own, or the element-wise layer after it).
    private var topActivation: Activation {
        switch model.layers[model.layers.count - 1].kind {
        case .conv2D(let c): return c.activation
        case .activation(let a): return a
        default: return .linear
        }
    }

    /// ∂(Σ each image's mean activation) with respect to the input, into `gradient`. An image whose filter is dead or
    /// nearly so behind a ReLU (active at under a quarter of the measured window, as many deep filters are on gray
    /// noise) gets no or a needle-thin gradient, and full-size steps along it can kill the filter again; for it the
    /// gradient is taken before the ReLU, which points towards activating the filter everywhere.
    func backward(_ filters: [Int]) {
        let n = filters.count
        let last = model.layers.count - 1
        let o = model.layers[last].output
        let e = settings.border
        let out = outputs[last]
        let relu = topActivation == .relu
        gradient.withUnsafeMutableBufferPointer { g in
            g.baseAddress!.update(repeating: 0, count: n * o.count)
            let w = 1 / Float((o.height - 2 * e) * (o.width - 2 * e))
            for (b, f) in filters.enumerated() {
                var active = 0
                for y in e..<(o.height - e) {
                    for x in e..<(o.width - e) where out[((b * o.height + y) * o.width + x) * o.channels + f] > 0 {
                        active += 1
                    }
                }
                let alive = active * 4 >= (o.height - 2 * e) * (o.width - 2 * e)
                for y in e..<(o.height - e) {
                    for x in e..<(o.width - e) {
                        let i = ((b * o.height + y) * o.width + x) * o.channels + f
                        g[i] = !relu || !alive || out[i] > 0 ? w : 0
                    }
                }
            }
        }
        var top = last
        if case .conv2D(let c) = model.layers[last].kind {
            if !relu {  // the ReLU's rule is applied in the seeding above; other activations' derivatives here
                gradient.withUnsafeMutableBufferPointer { gp in
                    out.withUnsafeBufferPointer { yp in
                        ElementWise.backward(c.activation, gp.baseAddress!, output: yp.baseAddress!, count: n * o.count)
                    }
                }
            }
            filterBackward(filters, c)  // into `spare`, past the convolution's own ReLU (handled above)
            swap(&gradient, &spare)
            top = last - 1
        }
        for i in stride(from: top, through: 0, by: -1) {
            let x = i == 0 ? input : outputs[i - 1]
            gradient.withUnsafeMutableBufferPointer { gp in
                spare.withUnsafeMutableBufferPointer { dx in
                    x.withUnsafeBufferPointer { xp in
                        outputs[i].withUnsafeBufferPointer { yp in
                            runner.backwardLayer(
                                i, dy: gp.baseAddress!, x: xp.baseAddress!, y: yp.baseAddress!, batch: n,
                                dx: dx.baseAddress!, activationDone: i == last && relu)
                        }
                    }
                }
            }
            swap(&gradient, &spare)
        }
    }

    /// Image b's filter `filters[b]` of the last convolution (`OwnFilterConvolution`).
    private func filterForward(_ filters: [Int], _ c: Conv2DParameters) {
        let last = model.layers.count - 1
        let g = Runner.geometry(c, Runner.inputShape(model, last), model.layers[last].output)
        let x = last == 0 ? input : outputs[last - 1]
        x.withUnsafeBufferPointer { xp in
            outputs[last].withUnsafeMutableBufferPointer { y in
                OwnFilterConvolution.forward(filters, c, g, x: xp.baseAddress!, y: y.baseAddress!)
            }
        }
    }

    /// `gradient` (only each image's own filter channel non-zero, already past the activation) back through the last
    /// convolution into `spare`.
    private func filterBackward(_ filters: [Int], _ c: Conv2DParameters) {
        let last = model.layers.count - 1
        let g = Runner.geometry(c, Runner.inputShape(model, last), model.layers[last].output)
        gradient.withUnsafeBufferPointer { gp in
            spare.withUnsafeMutableBufferPointer { dx in
                OwnFilterConvolution.backward(filters, c, g, dy: gp.baseAddress!, dx: dx.baseAddress!)
            }
        }
    }

    /// x += step · g / rms(g) per image: Chollet's normalisation ("divide by its L2 norm, the square root of the
    /// average of the squares"), so every step moves a pixel by about `step` whatever the layer.
    func ascend(count n: Int, step: Float) {
        let m = settings.size * settings.size * 3
        input.withUnsafeMutableBufferPointer { x in
            gradient.withUnsafeBufferPointer { g in
                for b in 0..<n {
                    var sum: Float = 0
                    for i in (b * m)..<((b + 1) * m) { sum += g[i] * g[i] }
                    let scale = step / ((sum / Float(m)).squareRoot() + 1e-5)
                    for i in (b * m)..<((b + 1) * m) { x[i] += scale * g[i] }
                }
            }
        }
    }

    /// Image `b` of the lane's input, preprocessed (size, size, 3).
    func image(_ b: Int) -> FeatureMap {
        let s = settings.size
        let m = s * s * 3
        return FeatureMap(height: s, width: s, channels: 3, data: Array(input[(b * m)..<((b + 1) * m)]))
    }
}

/// SplitMix64: a small, fast, seedable generator (Steele, Lea, Flood 2014).
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return Self.mix(state)
    }
    /// The output function: a counter's value mixed into 64 random-looking bits (`KernelNoise` uses it directly).
    @inline(__always) static func mix(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    mutating func nextUnitFloat() -> Float { Float(next() >> 40) / Float(1 << 24) }
}
