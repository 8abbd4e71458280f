/// Which input pixels a position of a hidden layer sees, from the kernel sizes, strides and padding of the
/// convolutions and pools (and zero padding) on the way there. Along one axis, output position o of a layer sees the
/// input pixels [o·jump − offset, o·jump − offset + size − 1] (before clipping to the image), where each layer with
/// kernel k, stride s and top/left padding p composes as size += (k − 1)·jump, offset += p·jump, jump ·= s.
/// VGG16's block5_conv3: size 196, jump 16, offset 90.
public struct ReceptiveField: Equatable, Sendable, Codable {
    /// One axis: the field's size in input pixels, the input pixels between neighbouring positions, and how far
    /// position 0's field starts before the input's first pixel.
    public struct Axis: Equatable, Sendable, Codable {
        public var size: Int, jump: Int, offset: Int
        public init(size: Int, jump: Int, offset: Int) {
            self.size = size
            self.jump = jump
            self.offset = offset
        }

        /// The input pixels position `o` sees, clipped to 0..<`extent`.
        public func span(_ o: Int, extent: Int) -> ClosedRange<Int> {
            let start = o * jump - offset
            let lo = max(0, start)
            let hi = min(extent - 1, start + size - 1)
            return lo...max(lo, hi)
        }

        mutating func compose(kernel k: Int, stride s: Int, padding p: Int) {
            size += (k - 1) * jump
            offset += p * jump
            jump *= s
        }
    }

    public var vertical: Axis, horizontal: Axis
    /// The network's input (height, width): fields are clipped to it.
    public var inputHeight: Int, inputWidth: Int

    public init(vertical: Axis, horizontal: Axis, inputHeight: Int, inputWidth: Int) {
        self.vertical = vertical
        self.horizontal = horizontal
        self.inputHeight = inputHeight
        self.inputWidth = inputWidth
    }

    /// The field of model layer `last`'s output (a hidden layer's `last`). A layer that mixes every position (Flatten,
    /// Dense, global pooling) on the way makes the field the whole input.
    public init(model: Model, through last: Int) {
        var v = Axis(size: 1, jump: 1, offset: 0)
        var h = v
        var whole = false
        for layer in model.layers.prefix(last + 1) {
            switch layer.kind {
            case .conv2D(let c):
                guard case .explicit(let top, let left, _, _) = c.padding else { preconditionFailure("by Model") }
                v.compose(kernel: c.kernelHeight, stride: c.strides.0, padding: top)
                h.compose(kernel: c.kernelWidth, stride: c.strides.1, padding: left)
            case .maxPool(let p), .averagePool(let p):
                guard case .explicit(let top, let left, _, _) = p.padding else { preconditionFailure("by Model") }
                v.compose(kernel: p.size.0, stride: p.strides.0, padding: top)
                h.compose(kernel: p.size.1, stride: p.strides.1, padding: left)
            case .zeroPadding(let p):
                guard case .explicit(let top, let left, _, _) = p else { preconditionFailure("resolved by Model") }
                v.compose(kernel: 1, stride: 1, padding: top)
                h.compose(kernel: 1, stride: 1, padding: left)
            case .dense, .flatten, .globalAveragePool, .globalMaxPool:
                whole = true
            case .channelAffine, .activation, .dropout:
                break
            }
        }
        if whole {
            v = Axis(size: model.input.height, jump: 0, offset: 0)
            h = Axis(size: model.input.width, jump: 0, offset: 0)
        }
        self.init(vertical: v, horizontal: h, inputHeight: model.input.height, inputWidth: model.input.width)
    }

    /// The input pixels position (`y`, `x`) sees, clipped to the input.
    public func box(y: Int, x: Int) -> PixelBox {
        let r = vertical.span(y, extent: inputHeight)
        let c = horizontal.span(x, extent: inputWidth)
        return PixelBox(x: c.lowerBound, y: r.lowerBound, width: c.count, height: r.count)
    }
}

/// A rectangle of whole pixels: left, top, width, height.
public struct PixelBox: Equatable, Hashable, Sendable, Codable, CustomStringConvertible {
    public var x: Int, y: Int, width: Int, height: Int
    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }
    public var description: String { "\(width)×\(height) at (\(x), \(y))" }
}
