import Foundation

/// One core's share of a feature-visualisation batch: its runner (the model truncated at the layer), the images'
/// coefficients and Adam state, and every buffer a step needs, all sized once. A step: render the coefficients, take
/// each image's random view, run the network forward to the layer and back to the input, then back through the view,
/// the colour and the Fourier basis to the coefficients, and let Adam step. Everything random is seeded by the
/// filter (and the step), so an image does not depend on its batch or lane.
final class FeatureVisLane {
    let runner: Runner
    let settings: FeatureVisSettings
    let param: FourierImage
    let capacity: Int
    /// The layer is a convolution computed one filter per image (channel and neuron objectives).
    private let ownFilter: Bool
    private let pixels: Int
    private var coefficients: [Float], momentum: [Float], velocity: [Float], coefficientGradient: [Float]
    /// The rendered images (0–255 RGB), their views' gradient, and the images' gradient.
    private var rgb: [Float], viewGradient: [Float], rgbGradient: [Float]
    private var scratch: [Float]
    private var input: [Float]
    private(set) var outputs: [[Float]]
    private var gradient: [Float], spare: [Float]
    private var views: [ViewTransform]
    private var updates = 0
    /// The objective on the images as they are (no view) at the start and after the last step.
    var start: [Float] = [], final: [Float] = []

    /// Floats one image needs in a lane.
    static func floatsPerImage(_ model: Model, _ param: FourierImage) -> Int {
        AscentLane.floatsPerImage(model) + 4 * param.coefficientsPerImage + 3 * param.side * param.side * 3
            + param.scratchCount(images: 1)
    }

    init(model: Model, settings: FeatureVisSettings, param: FourierImage, capacity: Int) {
        runner = Runner(model: model, batch: capacity, ways: 1)
        self.settings = settings
        self.param = param
        self.capacity = capacity
        let last = model.layers.count - 1
        if case .conv2D = model.layers[last].kind {
            ownFilter = settings.objective != .layer
        } else {
            ownFilter = false
        }
        pixels = settings.size * settings.size
        let c = capacity * param.coefficientsPerImage
        let image = capacity * pixels * 3
        coefficients = [Float](repeating: 0, count: c)
        momentum = coefficients
        velocity = coefficients
        coefficientGradient = coefficients
        rgb = [Float](repeating: 0, count: image)
        viewGradient = rgb
        rgbGradient = rgb
        scratch = [Float](repeating: 0, count: param.scratchCount(images: capacity))
        input = [Float](repeating: 0, count: capacity * model.input.count)
        outputs = model.layers.map { [Float](repeating: 0, count: capacity * $0.output.count) }
        let widest = max(model.layers.map(\.output.count).max() ?? 0, model.input.count)
        gradient = [Float](repeating: 0, count: capacity * widest)
        spare = gradient
        views = [ViewTransform](repeating: .identity, count: capacity)
    }

    private var model: Model { runner.model }

    /// The floats the lane's buffers hold, its runner's scratch included.
    var heldFloats: Int {
        let image = coefficients.count + momentum.count + velocity.count + coefficientGradient.count + rgb.count
            + viewGradient.count + rgbGradient.count + scratch.count + input.count
        return image + outputs.reduce(0) { $0 + $1.count } + gradient.count + spare.count + runner.scratchFloats
    }

    private var last: Int { model.layers.count - 1 }

    /// Starts the share's images: from `photo`'s coefficients when given, else from seeded small noise; Adam's
    /// state cleared.
    func seed(_ filters: [Int], photo: [Float]?) {
        let per = param.coefficientsPerImage
        for (b, f) in filters.enumerated() {
            if let photo {
                coefficients.replaceSubrange((b * per)..<((b + 1) * per), with: photo)
                continue
            }
            var rng = SplitMix64(seed: settings.seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(f))
            for i in stride(from: 0, to: per, by: 2) {  // Box–Muller, two normals a draw
                let u1 = max(rng.nextUnitFloat(), 1e-7)
                let u2 = rng.nextUnitFloat()
                let r = (-2 * log(u1)).squareRoot() * settings.startSpread
                let a = 2 * Float.pi * u2
                coefficients[b * per + i] = r * cos(a)
                if i + 1 < per { coefficients[b * per + i + 1] = r * sin(a) }
            }
        }
        let n = filters.count * per
        for i in 0..<n {
            momentum[i] = 0
            velocity[i] = 0
        }
        updates = 0
    }

    /// The objective on each image as it is, without a view.
    func measure(_ filters: [Int]) -> [Float] {
        render(filters.count)
        for b in filters.indices { views[b] = .identity }
        viewsToInput(filters.count)
        forward(filters)
        return objective(filters)
    }

    /// One step of the share's images; `step` counts from 0 (it seeds the views and decides the redirection).
    func step(_ filters: [Int], step: Int) {
        let still = step >= settings.steps - settings.stillSteps
        for (b, f) in filters.enumerated() {
            if still {
                views[b] = .identity
                continue
            }
            var rng = SplitMix64(
                seed: (settings.seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(f))
                    ^ (UInt64(step + 1) &* 0xD1B5_4A32_D192_ED03))
            views[b] = ViewTransform.random(
                &rng, jitter: settings.jitter, spread: settings.scaleSpread,
                degrees: settings.rotation)
        }
        _ = evaluate(filters, redirect: step < settings.warmupSteps, wake: step < settings.wakeSteps)
        updates += 1
        let n = filters.count
        let per = param.coefficientsPerImage
        let adam = Adam(rate: settings.learningRate)
        coefficients.withUnsafeMutableBufferPointer { c in
            coefficientGradient.withUnsafeBufferPointer { g in
                momentum.withUnsafeMutableBufferPointer { m in
                    velocity.withUnsafeMutableBufferPointer { v in
                        adam.ascend(
                            c.baseAddress!, gradient: g.baseAddress!, m: m.baseAddress!, v: v.baseAddress!,
                            count: n * per, t: updates, group: per, pooled: settings.pooledMoment)
                    }
                }
            }
        }
    }

    /// The objective of each image's current view, and its gradient with respect to the coefficients (kept in the
    /// lane for the step).
    /// With `wake`, an image whose filter is active on under `settings.wakeBelow` of the window takes the gradient
    /// before the filter's own ReLU.
    func evaluate(_ filters: [Int], redirect: Bool, wake: Bool = false) -> [Float] {
        let n = filters.count
        render(n)
        viewsToInput(n)
        forward(filters)
        let values = objective(filters)
        seedGradient(filters)
        backward(filters, redirect: redirect, wake: wake && settings.wakeBelow > 0)
        inputToCoefficients(n)
        return values
    }

    /// For tests: image b's coefficients, its view, and the last gradient.
    var state: (coefficients: [Float], views: [ViewTransform], gradient: [Float]) {
        get { (coefficients, views, coefficientGradient) }
        set {
            coefficients = newValue.coefficients
            views = newValue.views
        }
    }

    /// Image b as rendered last (side·side·3, 0–255 RGB).
    func image(_ b: Int) -> [Float] { Array(rgb[(b * pixels * 3)..<((b + 1) * pixels * 3)]) }

    // MARK: The parameterisation and the views

    private func render(_ n: Int) {
        coefficients.withUnsafeBufferPointer { c in
            rgb.withUnsafeMutableBufferPointer { out in
                scratch.withUnsafeMutableBufferPointer { s in
                    param.render(c.baseAddress!, images: n, rgb: out.baseAddress!, scratch: s.baseAddress!)
                }
            }
        }
    }

    /// Each image's view, through the weights' preprocessing, into the network's input.
    private func viewsToInput(_ n: Int) {
        let channels = model.preprocessing.channels
        let m = pixels * 3
        rgb.withUnsafeBufferPointer { image in
            viewGradient.withUnsafeMutableBufferPointer { view in  // borrowed as the view's buffer
                input.withUnsafeMutableBufferPointer { x in
                    for b in 0..<n {
                        views[b].apply(
                            image.baseAddress! + b * m, side: settings.size, fill: 127.5, into: view.baseAddress!)
                        for p in 0..<pixels {
                            for (c, ch) in channels.enumerated() {
                                x[b * m + 3 * p + c] = (view[3 * p + ch.source] - ch.offset) * ch.scale
                            }
                        }
                    }
                }
            }
        }
    }

    /// `gradient` (∂objective/∂input) → ∂objective/∂coefficients, through the preprocessing, the views' adjoints and
    /// the parameterisation's backward pass.
    private func inputToCoefficients(_ n: Int) {
        let channels = model.preprocessing.channels
        let m = pixels * 3
        gradient.withUnsafeBufferPointer { dx in
            viewGradient.withUnsafeMutableBufferPointer { dv in
                rgbGradient.withUnsafeMutableBufferPointer { dr in
                    for b in 0..<n {
                        for p in 0..<pixels {
                            for (c, ch) in channels.enumerated() {
                                dv[3 * p + ch.source] = dx[b * m + 3 * p + c] * ch.scale
                            }
                        }
                        views[b].adjoint(dv.baseAddress!, side: settings.size, into: dr.baseAddress! + b * m)
                    }
                }
            }
        }
        rgbGradient.withUnsafeBufferPointer { dr in
            rgb.withUnsafeBufferPointer { image in
                coefficientGradient.withUnsafeMutableBufferPointer { dc in
                    scratch.withUnsafeMutableBufferPointer { s in
                        param.backward(
                            dr.baseAddress!, rgb: image.baseAddress!, images: n,
                            coefficientGradient: dc.baseAddress!, scratch: s.baseAddress!)
                    }
                }
            }
        }
    }

    // MARK: The network

    private func forward(_ filters: [Int]) {
        let n = filters.count
        for i in model.layers.indices {
            let x = i == 0 ? input : outputs[i - 1]
            x.withUnsafeBufferPointer { xp in
                outputs[i].withUnsafeMutableBufferPointer { yp in
                    if i == last, ownFilter, case .conv2D(let c) = model.layers[i].kind {
                        let g = Runner.geometry(c, Runner.inputShape(model, i), model.layers[i].output)
                        OwnFilterConvolution.forward(filters, c, g, x: xp.baseAddress!, y: yp.baseAddress!)
                    } else {
                        runner.forwardLayer(i, x: xp.baseAddress!, batch: n, y: yp.baseAddress!)
                    }
                }
            }
        }
    }

    /// The window of the layer's map the objective reads: the border left out for a channel, all of it for the
    /// layer, the centre pixel for a neuron.
    private var window: (rows: Range<Int>, columns: Range<Int>) {
        let o = model.layers[last].output
        switch settings.objective {
        case .channel:
            let e = settings.border
            return (e..<(o.height - e), e..<(o.width - e))
        case .neuron: return ((o.height / 2)..<(o.height / 2 + 1), (o.width / 2)..<(o.width / 2 + 1))
        case .layer: return (0..<o.height, 0..<o.width)
        }
    }

    /// The objective of each image from the layer's output: its filter's mean over the window (channel, neuron), or
    /// the mean square of every channel (layer).
    private func objective(_ filters: [Int]) -> [Float] {
        let o = model.layers[last].output
        let out = outputs[last]
        let w = window
        let count = Float(w.rows.count * w.columns.count)
        return filters.enumerated().map { b, f in
            var sum: Float = 0
            for y in w.rows {
                for x in w.columns {
                    let at = ((b * o.height + y) * o.width + x) * o.channels
                    if settings.objective == .layer {
                        for c in 0..<o.channels { sum += out[at + c] * out[at + c] }
                    } else {
                        sum += out[at + f]
                    }
                }
            }
            return sum / (settings.objective == .layer ? count * Float(o.channels) : count)
        }
    }

    /// ∂objective/∂(the layer's output) into `gradient`.
    private func seedGradient(_ filters: [Int]) {
        let o = model.layers[last].output
        let out = outputs[last]
        let w = window
        let count = Float(w.rows.count * w.columns.count)
        gradient.withUnsafeMutableBufferPointer { g in
            g.baseAddress!.update(repeating: 0, count: filters.count * o.count)
            for (b, f) in filters.enumerated() {
                for y in w.rows {
                    for x in w.columns {
                        let at = ((b * o.height + y) * o.width + x) * o.channels
                        if settings.objective == .layer {
                            let scale = 2 / (count * Float(o.channels))
                            for c in 0..<o.channels { g[at + c] = scale * out[at + c] }
                        } else {
                            g[at + f] = 1 / count
                        }
                    }
                }
            }
        }
    }

    /// Whether layer i ends in a ReLU (fused in a convolution, or its own layer).
    private func endsInReLU(_ i: Int) -> Bool {
        switch model.layers[i].kind {
        case .conv2D(let c): return c.activation == .relu
        case .activation(let a): return a == .relu
        default: return false
        }
    }

    /// Whether image b's filter is active on under `settings.wakeBelow` of the objective's window.
    private func asleep(_ b: Int, filter f: Int, output y: UnsafePointer<Float>) -> Bool {
        let o = model.layers[last].output
        let w = window
        var active = 0
        for r in w.rows {
            for q in w.columns where y[((b * o.height + r) * o.width + q) * o.channels + f] > 0 { active += 1 }
        }
        return Float(active) < settings.wakeBelow * Float(w.rows.count * w.columns.count)
    }

    /// `gradient` (∂objective/∂ the layer's output) back to the input, into `gradient`. Every ReLU takes the plain
    /// rule, or with `redirect` Lucid's redirected one; with `wake` (own-filter objectives), the filter's own ReLU
    /// passes the whole gradient for an image whose filter is asleep (the plain ascent's rule) and the plain rule
    /// for the others.
    private func backward(_ filters: [Int], redirect: Bool, wake: Bool = false) {
        let n = filters.count
        for i in stride(from: last, through: 0, by: -1) {
            let x = i == 0 ? input : outputs[i - 1]
            let o = model.layers[i].output
            // The redirected rule is ours; the plain one the runner's (vectorised).
            let relu = endsInReLU(i)
            let waking = wake && relu && i == last && ownFilter
            let activationDone = relu && redirect && !waking
            if waking {
                gradient.withUnsafeMutableBufferPointer { g in
                    outputs[i].withUnsafeBufferPointer { y in
                        for (b, f) in filters.enumerated() where !asleep(b, filter: f, output: y.baseAddress!) {
                            let base = b * o.count
                            for k in 0..<o.count where !(y[base + k] > 0) { g[base + k] = 0 }
                        }
                    }
                }
            }
            if activationDone {
                gradient.withUnsafeMutableBufferPointer { g in
                    outputs[i].withUnsafeBufferPointer { y in
                        RedirectedReLU.backward(
                            g.baseAddress!, output: y.baseAddress!, images: n, count: o.count,
                            redirect: true)
                    }
                }
            }
            gradient.withUnsafeMutableBufferPointer { gp in
                spare.withUnsafeMutableBufferPointer { dx in
                    if i == last, ownFilter, case .conv2D(let c) = model.layers[i].kind {
                        let geometry = Runner.geometry(c, Runner.inputShape(model, i), o)
                        if !activationDone && !waking {
                            outputs[i].withUnsafeBufferPointer { y in
                                ElementWise.backward(
                                    c.activation, gp.baseAddress!, output: y.baseAddress!, count: n * o.count)
                            }
                        }
                        OwnFilterConvolution.backward(filters, c, geometry, dy: gp.baseAddress!, dx: dx.baseAddress!)
                        return
                    }
                    x.withUnsafeBufferPointer { xp in
                        outputs[i].withUnsafeBufferPointer { yp in
                            runner.backwardLayer(
                                i, dy: gp.baseAddress!, x: xp.baseAddress!, y: yp.baseAddress!, batch: n,
                                dx: dx.baseAddress!, activationDone: activationDone)
                        }
                    }
                }
            }
            swap(&gradient, &spare)
        }
    }
}
