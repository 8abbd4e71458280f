import Foundation

/// A network as a value: its layers in order (each with its output shape), the input it takes, how a photo is
/// preprocessed, and what its classes are called. Readers turn a file into named tensors, builders bind them into a
/// `Model`, and one `Runner` walks any model. A final softmax or sigmoid is held in `output`, not as a layer, so the
/// last layer's output is always the logits.
public struct Model: Sendable {
    public var name: String
    public var format: String
    public var sourceName: String
    public let input: TensorShape
    public var preprocessing: Preprocessing
    public private(set) var layers: [Layer]
    public private(set) var output: ModelOutput
    /// One name per class (`classes` of them), or nil: then 1000 classes are ImageNet's and others "class N".
    public private(set) var classNames: [String]?
    /// The hidden layers the window's slider stops at: each convolution or pooling layer (global pooling apart),
    /// with the element-wise layers right after it folded in.
    public let hiddenLayers: [LayerInfo]
    /// The 3×3 convolutions' Winograd kernels, made on first use and shared by copies of this model.
    public internal(set) var winograd = WinogradKernels()

    /// Checks every layer against the shape that reaches it, resolves 'same' padding, and splits off a final softmax
    /// or sigmoid. Throws `ModelError` naming the first layer that cannot run.
    public init(
        name: String, format: String, sourceName: String, input: TensorShape, preprocessing: Preprocessing,
        layers: [Layer], classNames: [String]? = nil, splitOutput: Bool = true
    ) throws {
        self.name = name
        self.format = format
        self.sourceName = sourceName
        self.input = input
        self.preprocessing = preprocessing
        var layers = layers
        var output = ModelOutput.features
        if splitOutput, let last = layers.indices.last {
            switch layers[last].kind {
            case .activation(.softmax):
                output = .softmax
                layers.removeLast()
            case .activation(.sigmoid):
                output = .sigmoid
                layers.removeLast()
            case .dense(var d) where d.activation == .softmax || d.activation == .sigmoid:
                output = d.activation == .softmax ? .softmax : .sigmoid
                d.activation = .linear
                layers[last].kind = .dense(d)
            default: break
            }
        }
        var shape = input
        for i in layers.indices {
            shape = try ShapeInference.output(of: &layers[i], input: shape, file: sourceName)
            layers[i].output = shape
        }
        if output == .features, let last = layers.last, last.output.isVector,
            layers.contains(where: { if case .dense = $0.kind { return true } else { return false } })
        {
            output = .softmax  // a linear head (torchvision, ONNX exports without softmax): probabilities by softmax
        }
        if output == .sigmoid && shape.count != 1 {
            throw ModelError.unsupported(
                file: sourceName, layer: layers.last?.name ?? "output",
                reason:
                    "a sigmoid over \(shape.count) units is a multi-label head; ConvScope explains one class of a softmax or a single sigmoid unit"
            )
        }
        self.layers = layers
        self.output = output
        self.hiddenLayers = Model.hidden(layers, input: input)
        try setClassNames(classNames)
        for layer in layers { try ParameterCheck.finite(layer, file: sourceName) }
    }

    /// Whether the model ends in a classifier (it has classes and Grad-CAM), or is a backbone.
    public var hasClassifier: Bool { output != .features }

    /// Classes the model tells apart: the last layer's units, or 2 for one sigmoid unit.
    public var classes: Int { !hasClassifier ? 0 : output == .sigmoid ? 2 : layers.last!.output.count }

    public func className(_ index: Int) -> String {
        if let names = classNames, names.indices.contains(index) { return names[index] }
        if classes == 1000 { return ImageNetClasses.name(index) }
        return "class \(index)"
    }

    /// Sets the class names; a list whose length differs from the head's classes is refused with both numbers.
    public mutating func setClassNames(_ names: [String]?) throws {
        if let names {
            guard hasClassifier else {
                throw ModelError.labels(detail: "\(sourceName) has no classifier, so it takes no labels")
            }
            guard names.count == classes else {
                throw ModelError.labels(detail: "\(names.count) labels for a head with \(classes) classes")
            }
        }
        classNames = names
    }

    /// "VGG19 · 21 hidden layers · 1000 classes · 224×224 · Keras HDF5 · caffe"
    public var summary: String {
        let head = hasClassifier ? "\(classes) classes" : "no classifier (backbone)"
        return
            "\(name) · \(hiddenLayers.count) hidden layers · \(head) · input \(input.height)×\(input.width) · \(format) · preprocessing \(preprocessing.rawValue)"
    }

    /// The hidden layer named `name`, or the `index`-th (1-based) when `name` is a number.
    public func hiddenLayer(_ name: String) throws -> LayerInfo {
        if let l = hiddenLayers.first(where: { $0.name == name }) { return l }
        if let n = Int(name), n >= 1, n <= hiddenLayers.count { return hiddenLayers[n - 1] }
        throw EngineError.unknownLayer(name, known: hiddenLayers.map(\.name))
    }

    /// The same model with `layers` (same kinds and shapes, other parameters): output and class names kept, fresh
    /// Winograd kernels.
    public func replacingLayers(_ layers: [Layer]) throws -> Model {
        var m = try Model(
            name: name, format: format, sourceName: sourceName, input: input, preprocessing: preprocessing,
            layers: layers, splitOutput: false)
        m.output = output
        m.classNames = classNames
        return m
    }

    /// Layers 0…`last` at another input size (filter images are grown at their own size), sharing Winograd kernels.
    public func truncated(through last: Int, input: TensorShape) throws -> Model {
        var m = try Model(
            name: name, format: format, sourceName: sourceName, input: input, preprocessing: preprocessing,
            layers: Array(layers.prefix(last + 1)), splitOutput: false)
        m.winograd = winograd
        return m
    }

    /// The last convolution's hidden layer (Grad-CAM's default).
    public var lastConvolution: LayerInfo? { hiddenLayers.last(where: \.isConv) }

    private static func hidden(_ layers: [Layer], input: TensorShape) -> [LayerInfo] {
        var result: [LayerInfo] = []
        var i = 0
        while i < layers.count {
            let kind: LayerInfo.Kind
            switch layers[i].kind {
            case .conv2D(let c): kind = .conv(inChannels: c.inChannels, outChannels: c.outChannels)
            case .maxPool, .averagePool: kind = .pool
            default:
                i += 1
                continue
            }
            var end = i
            while end + 1 < layers.count && layers[end + 1].kind.isElementWise { end += 1 }
            let s = layers[end].output
            result.append(
                LayerInfo(
                    index: result.count, name: layers[i].name, kind: kind, height: s.height, width: s.width,
                    channels: s.channels, first: i, last: end))
            i = end + 1
        }
        return result
    }
}
