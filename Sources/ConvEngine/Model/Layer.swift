/// One layer of a `Model`: a name, what it computes, and (filled in by `Model.init`) the shape it outputs.
public struct Layer: Sendable {
    public var name: String
    public var kind: LayerKind
    /// (H, W, C) of the output; a vector is (1, 1, N). Set by `Model.init` from the input shape.
    public internal(set) var output = TensorShape(1, 1, 1)

    public init(_ name: String, _ kind: LayerKind) {
        self.name = name
        self.kind = kind
    }
}

/// What a layer computes. Parameters are stored in one canonical layout whatever file they came from:
/// convolution kernels HWIO (kh, kw, Cin, Cout), dense kernels (in, out), feature maps NHWC.
public enum LayerKind: Sendable {
    case conv2D(Conv2DParameters)
    case dense(DenseLayerParameters)
    /// y = x·scale[c] + shift[c]: BatchNormalization (computed exactly from γ, β, mean, variance, ε), Keras's
    /// Rescaling and Normalization, tf2onnx's Mul + Add.
    case channelAffine(ChannelAffine)
    case activation(Activation)
    case maxPool(PoolParameters)
    case averagePool(PoolParameters)
    case globalAveragePool
    case globalMaxPool
    case zeroPadding(Padding)
    case flatten(FlattenOrder)
    /// Identity at inference.
    case dropout

    /// "Conv2D", "MaxPooling2D", …: Keras's class names, for messages and the window.
    public var typeName: String {
        switch self {
        case .conv2D: return "Conv2D"
        case .dense: return "Dense"
        case .channelAffine(let a): return a.origin.rawValue
        case .activation: return "Activation"
        case .maxPool: return "MaxPooling2D"
        case .averagePool: return "AveragePooling2D"
        case .globalAveragePool: return "GlobalAveragePooling2D"
        case .globalMaxPool: return "GlobalMaxPooling2D"
        case .zeroPadding: return "ZeroPadding2D"
        case .flatten: return "Flatten"
        case .dropout: return "Dropout"
        }
    }

    /// Element-wise layers fold into the hidden layer before them (BatchNormalization, activations, Dropout).
    var isElementWise: Bool {
        switch self {
        case .channelAffine(let a): return a.origin == .batchNormalization || a.origin == .mulAdd  // Mul+Add: a folded BatchNorm
        case .activation, .dropout: return true
        default: return false
        }
    }
}

/// (H, W, C); a vector is (1, 1, N).
public struct TensorShape: Equatable, Hashable, Sendable, CustomStringConvertible {
    public var height: Int, width: Int, channels: Int
    public init(_ height: Int, _ width: Int, _ channels: Int) {
        self.height = height
        self.width = width
        self.channels = channels
    }
    public var count: Int { height * width * channels }
    public var isVector: Bool { height == 1 && width == 1 }
    public var description: String { isVector ? "\(channels)" : "\(height)×\(width)×\(channels)" }
}

public enum Activation: Equatable, Sendable, CustomStringConvertible {
    case linear, relu
    case leakyReLU(alpha: Float)
    case sigmoid, tanh, softmax

    public var description: String {
        switch self {
        case .linear: return "linear"
        case .relu: return "relu"
        case .leakyReLU(let a): return "leaky_relu(\(a))"
        case .sigmoid: return "sigmoid"
        case .tanh: return "tanh"
        case .softmax: return "softmax"
        }
    }
}

/// Zero padding (or 'same'/'valid', resolved to explicit amounts by `Model.init`).
public enum Padding: Equatable, Sendable {
    case valid
    /// Keras/TensorFlow 'same': total = max((⌈in/s⌉ − 1)·s + k − in, 0), the odd pixel at the bottom/right.
    case same
    case explicit(top: Int, left: Int, bottom: Int, right: Int)

    public func resolved(
        inHeight: Int, inWidth: Int, kernel: (Int, Int), strides: (Int, Int)
    ) -> (top: Int, left: Int, bottom: Int, right: Int) {
        switch self {
        case .valid: return (0, 0, 0, 0)
        case .explicit(let t, let l, let b, let r): return (t, l, b, r)
        case .same:
            func total(_ n: Int, _ k: Int, _ s: Int) -> Int { max(((n + s - 1) / s - 1) * s + k - n, 0) }
            let th = total(inHeight, kernel.0, strides.0)
            let tw = total(inWidth, kernel.1, strides.1)
            return (th / 2, tw / 2, th - th / 2, tw - tw / 2)
        }
    }
}

/// Flatten's element order: Keras flattens H·W·C (channels fastest), PyTorch C·H·W.
public enum FlattenOrder: String, Sendable { case hwc, chw }

public struct Conv2DParameters: Sendable {
    /// (kh, kw, Cin, Cout) HWIO, row-major, i.e. a (kh·kw·Cin, Cout) matrix.
    public var kernel: [Float] {
        get { storage.value }
        set { storage = KernelStorage(newValue) }
    }
    /// The kernel's floats, shared by the layer's copies (let go after the Winograd transform where they can be read
    /// back: `KernelStorage`).
    var storage: KernelStorage
    public var bias: [Float]?
    public var kernelHeight: Int, kernelWidth: Int, inChannels: Int, outChannels: Int
    public var strides: (Int, Int)
    public var padding: Padding
    public var activation: Activation

    public init(
        kernel: [Float], bias: [Float]?, kernelHeight: Int, kernelWidth: Int, inChannels: Int, outChannels: Int,
        strides: (Int, Int) = (1, 1), padding: Padding = .same, activation: Activation = .linear
    ) {
        self.init(
            storage: KernelStorage(kernel), bias: bias, kernelHeight: kernelHeight, kernelWidth: kernelWidth,
            inChannels: inChannels, outChannels: outChannels, strides: strides, padding: padding,
            activation: activation)
    }

    init(
        storage: KernelStorage, bias: [Float]?, kernelHeight: Int, kernelWidth: Int, inChannels: Int,
        outChannels: Int, strides: (Int, Int), padding: Padding, activation: Activation
    ) {
        self.storage = storage
        self.bias = bias
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.strides = strides
        self.padding = padding
        self.activation = activation
    }

    /// A 3×3, stride-1 convolution padded by one pixel all round: the shape Winograd and `Conv3x3` run.
    var isSame3x3: Bool {
        kernelHeight == 3 && kernelWidth == 3 && strides == (1, 1)
            && padding == .explicit(top: 1, left: 1, bottom: 1, right: 1)
    }
}

public struct DenseLayerParameters: Sendable {
    /// (in, out) row-major.
    public var kernel: [Float] {
        get { storage.value }
        set { storage = KernelStorage(newValue) }
    }
    /// The kernel's floats, shared by the layer's copies (let go while the sanity check holds a randomised copy, where
    /// they can be read back: `KernelStorage`, `Model.park`).
    var storage: KernelStorage
    public var bias: [Float]?
    public var inputs: Int, outputs: Int
    public var activation: Activation

    public init(kernel: [Float], bias: [Float]?, inputs: Int, outputs: Int, activation: Activation = .linear) {
        self.init(storage: KernelStorage(kernel), bias: bias, inputs: inputs, outputs: outputs, activation: activation)
    }

    init(storage: KernelStorage, bias: [Float]?, inputs: Int, outputs: Int, activation: Activation) {
        self.storage = storage
        self.bias = bias
        self.inputs = inputs
        self.outputs = outputs
        self.activation = activation
    }
}

public struct ChannelAffine: Sendable {
    public enum Origin: String, Sendable {
        case batchNormalization = "BatchNormalization"
        case rescaling = "Rescaling"
        case normalization = "Normalization"
        case mulAdd = "Mul+Add"
    }
    /// One value per channel, or a single value for all channels.
    public var scale: [Float], shift: [Float]
    public var origin: Origin

    public init(scale: [Float], shift: [Float], origin: Origin) {
        self.scale = scale
        self.shift = shift
        self.origin = origin
    }

    /// BatchNormalization at inference: y = γ(x − μ)/√(σ² + ε) + β, computed in double and stored as scale and shift.
    public static func batchNormalization(
        gamma: [Float]?, beta: [Float]?, mean: [Float], variance: [Float],
        epsilon: Double
    ) -> ChannelAffine {
        var scale = [Float]()
        var shift = [Float]()
        for c in mean.indices {
            let s = Double(gamma?[c] ?? 1) / (Double(variance[c]) + epsilon).squareRoot()
            scale.append(Float(s))
            shift.append(Float(Double(beta?[c] ?? 0) - Double(mean[c]) * s))
        }
        return ChannelAffine(scale: scale, shift: shift, origin: .batchNormalization)
    }
}

public struct PoolParameters: Sendable {
    public var size: (Int, Int)
    public var strides: (Int, Int)
    public var padding: Padding
    public init(size: (Int, Int), strides: (Int, Int)? = nil, padding: Padding = .valid) {
        self.size = size
        self.strides = strides ?? size
        self.padding = padding
    }
    var isPlain2x2: Bool {
        size == (2, 2) && strides == (2, 2) && padding == .explicit(top: 0, left: 0, bottom: 0, right: 0)
    }
}
