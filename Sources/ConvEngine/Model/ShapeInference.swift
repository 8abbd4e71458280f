/// Each layer's output shape from its input shape, checking that its parameters fit what reaches it.
enum ShapeInference {
    static func output(of layer: inout Layer, input s: TensorShape, file: String) throws -> TensorShape {
        func bad(_ detail: String) -> ModelError { .badShape(file: file, layer: layer.name, detail: detail) }
        switch layer.kind {
        case .conv2D(var c):
            guard !s.isVector || (s.height == 1 && c.kernelHeight == 1) else {
                throw bad("a convolution needs an image-shaped input, got a vector of \(s.channels)")
            }
            guard c.inChannels == s.channels else {
                throw bad("its kernel takes \(c.inChannels) channels but \(s.channels) reach it")
            }
            guard c.storage.count == c.kernelHeight * c.kernelWidth * c.inChannels * c.outChannels else {
                throw bad(
                    "kernel has \(c.storage.count) values, \(c.kernelHeight)×\(c.kernelWidth)×\(c.inChannels)×\(c.outChannels) expected"
                )
            }
            if let b = c.bias, b.count != c.outChannels {
                throw bad("bias has \(b.count) values for \(c.outChannels) filters")
            }
            guard c.strides.0 >= 1, c.strides.1 >= 1, c.kernelHeight >= 1, c.kernelWidth >= 1 else {
                throw bad("strides and kernel must be 1 or more")
            }
            guard c.activation != .softmax else { throw bad("a softmax inside a convolution is not supported") }
            let p = c.padding.resolved(
                inHeight: s.height, inWidth: s.width, kernel: (c.kernelHeight, c.kernelWidth), strides: c.strides)
            c.padding = .explicit(top: p.top, left: p.left, bottom: p.bottom, right: p.right)
            if c.bias == nil { c.bias = [Float](repeating: 0, count: c.outChannels) }
            layer.kind = .conv2D(c)
            let h = (s.height + p.top + p.bottom - c.kernelHeight) / c.strides.0 + 1
            let w = (s.width + p.left + p.right - c.kernelWidth) / c.strides.1 + 1
            guard s.height + p.top + p.bottom >= c.kernelHeight, s.width + p.left + p.right >= c.kernelWidth else {
                throw bad(
                    "its \(c.kernelHeight)×\(c.kernelWidth) kernel is larger than the \(s.height)×\(s.width) map reaching it"
                )
            }
            return TensorShape(h, w, c.outChannels)
        case .dense(var d):
            guard s.isVector else {
                throw bad("a Dense layer needs a vector (Flatten or global pooling first), got \(s)")
            }
            guard d.inputs == s.channels else {
                throw bad("its kernel takes \(d.inputs) inputs but \(s.channels) reach it")
            }
            guard d.storage.count == d.inputs * d.outputs else {
                throw bad("kernel has \(d.storage.count) values, \(d.inputs)×\(d.outputs) expected")
            }
            if let b = d.bias, b.count != d.outputs { throw bad("bias has \(b.count) values for \(d.outputs) units") }
            guard d.activation != .softmax else {
                throw bad("softmax is supported only as the model's last activation")
            }
            if d.bias == nil {
                d.bias = [Float](repeating: 0, count: d.outputs)
                layer.kind = .dense(d)
            }
            return TensorShape(1, 1, d.outputs)
        case .channelAffine(let a):
            guard a.scale.count == a.shift.count, a.scale.count == 1 || a.scale.count == s.channels else {
                throw bad("\(a.scale.count) per-channel values for \(s.channels) channels")
            }
            return s
        case .activation(let a):
            guard a != .softmax else { throw bad("softmax is supported only as the model's last activation") }
            if case .leakyReLU(let alpha) = a, !(alpha > 0 && alpha.isFinite) {
                throw bad("LeakyReLU needs a positive slope")
            }
            return s
        case .maxPool(var p), .averagePool(var p):
            guard !s.isVector else { throw bad("pooling needs an image-shaped input") }
            let r = p.padding.resolved(inHeight: s.height, inWidth: s.width, kernel: p.size, strides: p.strides)
            guard p.size.0 >= 1, p.size.1 >= 1, p.strides.0 >= 1, p.strides.1 >= 1 else {
                throw bad("pool size and strides must be 1 or more")
            }
            guard r.top < p.size.0, r.bottom < p.size.0, r.left < p.size.1, r.right < p.size.1 else {
                throw bad("padding as large as the pool window")
            }
            guard s.height + r.top + r.bottom >= p.size.0, s.width + r.left + r.right >= p.size.1 else {
                throw bad(
                    "its \(p.size.0)×\(p.size.1) window is larger than the \(s.height)×\(s.width) map reaching it")
            }
            p.padding = .explicit(top: r.top, left: r.left, bottom: r.bottom, right: r.right)
            if case .maxPool = layer.kind { layer.kind = .maxPool(p) } else { layer.kind = .averagePool(p) }
            return TensorShape(
                (s.height + r.top + r.bottom - p.size.0) / p.strides.0 + 1,
                (s.width + r.left + r.right - p.size.1) / p.strides.1 + 1, s.channels)
        case .globalAveragePool, .globalMaxPool:
            return TensorShape(1, 1, s.channels)
        case .zeroPadding(let p):
            guard case .explicit(let t, let l, let b, let r) = p, min(t, l, b, r) >= 0 else {
                throw bad("padding must be explicit and not negative")
            }
            return TensorShape(s.height + t + b, s.width + l + r, s.channels)
        case .flatten:
            return TensorShape(1, 1, s.count)
        case .dropout:
            return s
        }
    }
}

/// Every parameter of a layer finite, 16 values at a time (this runs over all of VGG's 138M values at start-up).
enum ParameterCheck {
    static func finite(_ layer: Layer, file: String) throws {
        func check(_ values: [Float], _ what: String) throws {
            try values.withUnsafeBufferPointer { try check($0, what) }
        }
        func check(_ values: UnsafeBufferPointer<Float>, _ what: String) throws {
            guard allFinite(values) else { throw ModelError.nonFinite(file: file, tensor: "\(layer.name) \(what)") }
        }
        switch layer.kind {
        case .conv2D(let c):
            // A kernel let go was checked when first read; one read in place, while its pages were checksummed.
            if !c.storage.knownFinite { try c.storage.ifResident { try check($0, "kernel") } }
            try check(c.bias ?? [], "bias")
        case .dense(let d):
            if !d.storage.knownFinite { try d.storage.ifResident { try check($0, "kernel") } }
            try check(d.bias ?? [], "bias")
        case .channelAffine(let a):
            try check(a.scale, "scale")
            try check(a.shift, "shift")
        default: break
        }
    }

    /// v − v is 0 for every finite v and NaN for NaN and ±∞.
    static func allFinite(_ values: [Float]) -> Bool { values.withUnsafeBufferPointer { allFinite($0) } }

    static func allFinite(_ p: UnsafeBufferPointer<Float>) -> Bool {
        guard let base = p.baseAddress else { return true }
        let raw = UnsafeRawPointer(base)
        let vectors = p.count / 16
        var sum = SIMD16<Float>()
        for i in 0..<vectors {
            let v = raw.loadUnaligned(fromByteOffset: i * 64, as: SIMD16<Float>.self)
            sum += v - v
        }
        for v in p[(vectors * 16)...] where !v.isFinite { return false }
        return sum == SIMD16<Float>()
    }
}
