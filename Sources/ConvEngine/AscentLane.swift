import COpenBLAS

/// One core's share of a filter-ascent batch: its own buffers, sized once, and the steps over them. Lanes run side
/// by side with OpenBLAS single-threaded, so every loop of ours (Winograd transforms, im2col, ReLU, pooling) runs on
/// all cores too. Convolutions run as Winograd where their channels fit, forward and input gradient.
final class AscentLane {
    struct Stage { let info: LayerInfo; let inSide: Int; let outSide: Int; let conv: Int? }

    let weights: VGG16Weights
    let stages: [Stage]
    let settings: AscentSettings
    let capacity: Int
    private(set) var input: [Float]
    private var outputs: [[Float]]
    private var gradient: [Float], spare: [Float], scratch: [Float], winogradScratch: [Float]
    /// Mean activations of the lane's images on the starting noise and after the last step.
    var start: [Float] = [], final: [Float] = []

    /// Floats one image needs in a lane: input, every stage's output, two gradient maps.
    static func floatsPerImage(_ stages: [Stage], size: Int) -> Int {
        let widest = stages.map { $0.inSide * $0.inSide * max($0.info.channels, 3) }.max()!
        return stages.reduce(size * size * 3) { $0 + $1.outSide * $1.outSide * $1.info.channels } + 2 * widest
    }

    init(weights: VGG16Weights, stages: [Stage], settings: AscentSettings, capacity: Int) {
        self.weights = weights; self.stages = stages; self.settings = settings; self.capacity = capacity
        let widest = stages.map { $0.inSide * $0.inSide * max($0.info.channels, 3) }.max()!
        input = [Float](repeating: 0, count: capacity * settings.size * settings.size * 3)
        outputs = stages.map { [Float](repeating: 0, count: capacity * $0.outSide * $0.outSide * $0.info.channels) }
        gradient = [Float](repeating: 0, count: capacity * widest)
        spare = gradient
        let widestIn = stages.compactMap { if case .conv(let i, _) = $0.info.kind { return i } else { return nil } }.max()!
        scratch = [Float](repeating: 0, count: Conv3x3.scratchCount(inChannels: widestIn))
        winogradScratch = [Float](repeating: 0, count: stages.map { s -> Int in
            guard case .conv(let cin, let cout) = s.info.kind else { return 0 }
            return Winograd.scratchCount(batch: capacity, height: s.inSide, width: s.inSide, inChannels: cin, outChannels: cout)
        }.max()!)
    }

    /// Gray plus uniform noise, seeded per filter so a filter's image does not depend on its batch or lane.
    func seed(_ filters: [Int]) {
        let n = settings.size * settings.size
        for (b, f) in filters.enumerated() {
            var rng = SplitMix64(seed: settings.seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(f))
            let rgb = (0..<(n * 3)).map { _ in 128 + settings.noise * (2 * rng.nextUnitFloat() - 1) }
            let x = weights.preprocessing.apply(rgb: rgb, height: settings.size, width: settings.size)
            input.replaceSubrange((b * n * 3)..<((b + 1) * n * 3), with: x.data)
        }
    }

    /// The stages' outputs for the lane's images, `filters[b]` for image b. Of the last convolution only each
    /// image's own filter is computed (`lastForward`): nothing reads its other channels.
    func forward(_ filters: [Int]) {
        let n = filters.count
        for (i, s) in stages.enumerated() {
            let x = i == 0 ? input : outputs[i - 1]
            if i == stages.count - 1 { lastForward(filters, stage: s, x: x); continue }
            x.withUnsafeBufferPointer { xp in
                outputs[i].withUnsafeMutableBufferPointer { yp in
                    switch s.info.kind {
                    case .conv:
                        weights.convolve(s.conv!, x: xp.baseAddress!, batch: n, height: s.inSide, width: s.inSide, y: yp.baseAddress!,
                                         im2colScratch: &scratch, winogradScratch: &winogradScratch)
                    case .pool:
                        // A batch of even-sided maps pools like one tall map.
                        MaxPool2x2.forward(x: xp.baseAddress!, height: n * s.inSide, width: s.inSide, channels: s.info.channels,
                                           y: yp.baseAddress!)
                    }
                }
            }
        }
    }

    /// Each image's own filter: the mean of the last stage's map with `border` pixels left out at each edge.
    func meanActivations(_ filters: [Int]) -> [Float] {
        let side = stages.last!.outSide, c = stages.last!.info.channels, e = settings.border
        let out = outputs[stages.count - 1]
        return filters.enumerated().map { b, f in
            var sum: Float = 0
            for y in e..<(side - e) {
                for x in e..<(side - e) { sum += out[((b * side + y) * side + x) * c + f] }
            }
            return sum / Float((side - 2 * e) * (side - 2 * e))
        }
    }

    /// ∂(Σ each image's mean activation) with respect to the input, into `gradient`. An image whose filter is dead or
    /// nearly so (active at under a quarter of the measured window, as many deep filters are on gray noise) gets no or
    /// a needle-thin gradient through the ReLU, and full-size steps along it can kill the filter again; for it the
    /// gradient is taken before the ReLU, which points towards activating the filter everywhere.
    func backward(_ filters: [Int]) {
        let n = filters.count, side = stages.last!.outSide, c = stages.last!.info.channels, e = settings.border
        let out = outputs[stages.count - 1]
        gradient.withUnsafeMutableBufferPointer { g in
            g.baseAddress!.update(repeating: 0, count: n * side * side * c)
            let w = 1 / Float((side - 2 * e) * (side - 2 * e))
            for (b, f) in filters.enumerated() {
                var active = 0
                for y in e..<(side - e) { for x in e..<(side - e) where out[((b * side + y) * side + x) * c + f] > 0 { active += 1 } }
                let alive = active * 4 >= (side - 2 * e) * (side - 2 * e)
                for y in e..<(side - e) {
                    for x in e..<(side - e) {
                        let i = ((b * side + y) * side + x) * c + f
                        g[i] = !alive || out[i] > 0 ? w : 0
                    }
                }
            }
        }
        lastBackward(filters, stage: stages[stages.count - 1])
        swap(&gradient, &spare)
        for i in stride(from: stages.count - 2, through: 0, by: -1) {
            let s = stages[i]
            let x = i == 0 ? input : outputs[i - 1]
            gradient.withUnsafeMutableBufferPointer { gp in
                spare.withUnsafeMutableBufferPointer { dx in
                    x.withUnsafeBufferPointer { xp in
                        switch s.info.kind {
                        case .conv(_, let cout):
                            outputs[i].withUnsafeBufferPointer { yp in
                                Conv3x3.reluBackward(gp.baseAddress!, output: yp.baseAddress!, count: n * s.outSide * s.outSide * cout)
                            }
                            weights.convolutionInputGradient(s.conv!, dy: gp.baseAddress!, batch: n, height: s.inSide, width: s.inSide,
                                                             dx: dx.baseAddress!, im2colScratch: &scratch, winogradScratch: &winogradScratch)
                        case .pool:
                            MaxPool2x2.backward(dy: gp.baseAddress!, x: xp.baseAddress!, height: n * s.inSide, width: s.inSide,
                                                channels: s.info.channels, dx: dx.baseAddress!)
                        }
                    }
                }
            }
            swap(&gradient, &spare)
        }
    }

    /// Image b's filter `filters[b]` of the last convolution, ReLU(bias + Σ x·k) at every pixel, by direct dot
    /// products: one channel costs 9·Cin per pixel, where a full GEMM would compute all Cout channels.
    private func lastForward(_ filters: [Int], stage s: Stage, x: [Float]) {
        guard case .conv(let cin, let cout) = s.info.kind else { preconditionFailure("filters belong to convolutions") }
        let p = weights.convs[s.conv!], side = s.inSide
        x.withUnsafeBufferPointer { xp in
            outputs[stages.count - 1].withUnsafeMutableBufferPointer { y in
                for (b, f) in filters.enumerated() {
                    Self.filterColumn(p, f, cin: cin, cout: cout).withUnsafeBufferPointer { k in
                        for oy in 0..<side {
                            for ox in 0..<side {
                                var sum = p.bias[f]
                                for ky in 0..<3 where oy + ky >= 1 && oy + ky <= side {
                                    for kx in 0..<3 where ox + kx >= 1 && ox + kx <= side {
                                        sum += cblas_sdot(Int32(cin), xp.baseAddress! + ((b * side + oy + ky - 1) * side + ox + kx - 1) * cin, 1,
                                                          k.baseAddress! + (ky * 3 + kx) * cin, 1)
                                    }
                                }
                                y[((b * side + oy) * side + ox) * cout + f] = sum > 0 ? sum : 0
                            }
                        }
                    }
                }
            }
        }
    }

    /// `gradient` (only each image's own filter channel is non-zero) back through the last convolution into `spare`,
    /// scattering each pixel's gradient along its filter's kernel column.
    private func lastBackward(_ filters: [Int], stage s: Stage) {
        guard case .conv(let cin, let cout) = s.info.kind else { preconditionFailure("filters belong to convolutions") }
        let p = weights.convs[s.conv!], side = s.inSide
        gradient.withUnsafeBufferPointer { g in
            spare.withUnsafeMutableBufferPointer { dx in
                dx.baseAddress!.update(repeating: 0, count: filters.count * side * side * cin)
                for (b, f) in filters.enumerated() {
                    Self.filterColumn(p, f, cin: cin, cout: cout).withUnsafeBufferPointer { k in
                        for oy in 0..<side {
                            for ox in 0..<side {
                                let value = g[((b * side + oy) * side + ox) * cout + f]
                                if value == 0 { continue }
                                for ky in 0..<3 where oy + ky >= 1 && oy + ky <= side {
                                    for kx in 0..<3 where ox + kx >= 1 && ox + kx <= side {
                                        cblas_saxpy(Int32(cin), value, k.baseAddress! + (ky * 3 + kx) * cin, 1,
                                                    dx.baseAddress! + ((b * side + oy + ky - 1) * side + ox + kx - 1) * cin, 1)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Filter f's weights, (ky, kx, ci) contiguous: column f of the (9·Cin, Cout) kernel.
    private static func filterColumn(_ p: ConvParameters, _ f: Int, cin: Int, cout: Int) -> [Float] {
        (0..<(9 * cin)).map { p.kernel[$0 * cout + f] }
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
        let s = settings.size, m = s * s * 3
        return FeatureMap(height: s, width: s, channels: 3, data: Array(input[(b * m)..<((b + 1) * m)]))
    }
}

/// SplitMix64: a small, fast, seedable generator (Steele, Lea, Flood 2014).
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    mutating func nextUnitFloat() -> Float { Float(next() >> 40) / Float(1 << 24) }
}
