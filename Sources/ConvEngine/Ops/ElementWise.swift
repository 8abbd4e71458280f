import Foundation

/// How a backward pass crosses a ReLU: plainly (the true gradient), as guided backpropagation (only positive
/// gradients through active units) or as the deconvnet (positive gradients, whatever the unit did).
public enum ReLURule: String, Sendable, CaseIterable { case plain, guided, deconvnet }

/// Activations and per-channel affine maps, forward and backward in place, on `count` floats of `channels` each.
public enum ElementWise {
    public static func forward(_ a: Activation, _ v: UnsafeMutablePointer<Float>, count: Int) {
        switch a {
        case .linear: break
        case .relu: Conv3x3.relu(v, count: count)
        case .leakyReLU(let alpha): for i in 0..<count where v[i] < 0 { v[i] *= alpha }
        case .sigmoid: for i in 0..<count { v[i] = Float(1 / (1 + exp(-Double(v[i])))) }
        case .tanh: for i in 0..<count { v[i] = Foundation.tanh(v[i]) }
        case .softmax: preconditionFailure("softmax is the model's output, not a layer")
        }
    }

    /// g = ∂L/∂y → ∂L/∂(pre-activation), in place, from the activation's output y.
    public static func backward(
        _ a: Activation, _ g: UnsafeMutablePointer<Float>, output y: UnsafePointer<Float>, count: Int,
        rule: ReLURule = .plain
    ) {
        switch a {
        case .linear: break
        case .relu:
            switch rule {
            case .plain: Conv3x3.reluBackward(g, output: y, count: count)
            case .guided: guidedBackward(g, output: y, count: count)
            case .deconvnet: deconvnetBackward(g, count: count)
            }
        case .leakyReLU(let alpha): for i in 0..<count where !(y[i] > 0) { g[i] *= alpha }
        case .sigmoid: for i in 0..<count { g[i] *= y[i] * (1 - y[i]) }
        case .tanh: for i in 0..<count { g[i] *= 1 - y[i] * y[i] }
        case .softmax: preconditionFailure("softmax is the model's output, not a layer")
        }
    }

    /// y = x·scale[c] + shift[c] (a single scale/shift applies to every channel).
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public static func affine<T: BinaryFloatingPoint>(
        _ p: ChannelAffine, x: UnsafePointer<T>, y: UnsafeMutablePointer<T>, pixels: Int, channels: Int
    ) {
        let per = p.scale.count > 1
        for i in 0..<pixels {
            let xi = x + i * channels
            let yi = y + i * channels
            for c in 0..<channels { yi[c] = xi[c] * T(p.scale[per ? c : 0]) + T(p.shift[per ? c : 0]) }
        }
    }

    /// dx = dy·scale[c].
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public static func affineBackward<T: BinaryFloatingPoint>(
        _ p: ChannelAffine, dy: UnsafePointer<T>, dx: UnsafeMutablePointer<T>, pixels: Int, channels: Int
    ) {
        let per = p.scale.count > 1
        for i in 0..<pixels {
            for c in 0..<channels { dx[i * channels + c] = dy[i * channels + c] * T(p.scale[per ? c : 0]) }
        }
    }

    /// Guided backpropagation through a ReLU, in place: g where y > 0 and g > 0, else 0.
    static func guidedBackward(_ g: UnsafeMutablePointer<Float>, output y: UnsafePointer<Float>, count: Int) {
        let vectors = count / 8
        let gv = UnsafeMutableRawPointer(g)
        let yv = UnsafeRawPointer(y)
        for v in 0..<vectors {
            let o = v * 32
            let yy = yv.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self)
            var gg = gv.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self)
            gg.replace(with: 0, where: .!(yy .> 0 .& gg .> 0))
            gv.storeBytes(of: gg, toByteOffset: o, as: SIMD8<Float>.self)
        }
        for i in (vectors * 8)..<count where !(y[i] > 0 && g[i] > 0) { g[i] = 0 }
    }

    /// The deconvnet's ReLU, in place: g where g > 0, else 0.
    static func deconvnetBackward(_ g: UnsafeMutablePointer<Float>, count: Int) {
        let vectors = count / 8
        let gv = UnsafeMutableRawPointer(g)
        for v in 0..<vectors {
            let o = v * 32
            var gg = gv.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self)
            gg.replace(with: 0, where: .!(gg .> 0))
            gv.storeBytes(of: gg, toByteOffset: o, as: SIMD8<Float>.self)
        }
        for i in (vectors * 8)..<count where !(g[i] > 0) { g[i] = 0 }
    }
}
