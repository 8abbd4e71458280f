/// Which pixels the weights were trained on; follows the file's origin.
public enum Preprocessing: String, Sendable {
    /// Keras / Caffe: BGR, minus the ImageNet mean (103.939, 116.779, 123.68), on 0–255 pixels.
    case caffeBGR
    /// torchvision: RGB / 255, minus mean (0.485, 0.456, 0.406), divided by std (0.229, 0.224, 0.225).
    case torchRGB
}

/// The file formats ConvScope reads, detected from content.
public enum WeightFormat: String, Sendable {
    case kerasH5 = "Keras HDF5"
    case keras3 = "Keras 3 .weights.h5"
    case safetensors = "safetensors"
}

/// A 3×3 convolution's parameters: kernel (3,3,Cin,Cout) HWIO, bias (Cout).
public struct ConvParameters: Sendable {
    public var kernel: [Float]
    public var bias: [Float]
    public init(kernel: [Float], bias: [Float]) { self.kernel = kernel; self.bias = bias }
}

/// A dense layer's parameters: kernel (in, out) with fc1's inputs in H·W·C order, bias (out).
public struct DenseParameters: Sendable {
    public var kernel: [Float]
    public var bias: [Float]
    public init(kernel: [Float], bias: [Float]) { self.kernel = kernel; self.bias = bias }
}

/// VGG16's parameters in the canonical (Keras) layout, whatever file they came from.
public struct VGG16Weights: Sendable {
    public var architecture: Architecture
    public var convs: [ConvParameters] {            // 13
        didSet { winograd = WinogradKernels() }
    }
    /// The convolutions' Winograd kernels, made on first use, shared by copies of these weights.
    public private(set) var winograd = WinogradKernels()
    public var classifier: [DenseParameters]?       // fc1, fc2, predictions; nil for a backbone
    public var preprocessing: Preprocessing
    public var format: WeightFormat
    public var sourceName: String

    public init(architecture: Architecture, convs: [ConvParameters], classifier: [DenseParameters]?,
                preprocessing: Preprocessing, format: WeightFormat, sourceName: String) {
        self.architecture = architecture; self.convs = convs; self.classifier = classifier
        self.preprocessing = preprocessing; self.format = format; self.sourceName = sourceName
    }

    public var hasClassifier: Bool { classifier != nil }

    /// "full (18 layers, classes, Grad-CAM)" or "backbone (18 layers only)"
    public var kindDescription: String {
        hasClassifier ? "full VGG16 (18 layers, classes, Grad-CAM)" : "VGG16 backbone (18 layers and filter images; no classifier)"
    }

    /// Expected element counts of every tensor, in order: 13×(kernel, bias) then 3×(kernel, bias).
    public static func expectedShapes(_ a: Architecture) -> (convs: [(kernel: [Int], bias: [Int])], dense: [(kernel: [Int], bias: [Int])]) {
        let convs = a.convShapes.map { (kernel: [3, 3, $0.inChannels, $0.outChannels], bias: [$0.outChannels]) }
        let dense = [(kernel: [a.flattenSize, a.fcWidth], bias: [a.fcWidth]),
                     (kernel: [a.fcWidth, a.fcWidth], bias: [a.fcWidth]),
                     (kernel: [a.fcWidth, a.classes], bias: [a.classes])]
        return (convs, dense)
    }

    /// Checks every count and that no value is NaN or infinite.
    public func validate() throws {
        let expected = VGG16Weights.expectedShapes(architecture)
        let convNames = Architecture.convLayerNames
        guard convs.count == 13 else { throw WeightsError.missingLayer(file: sourceName, layer: convNames[min(convs.count, 12)]) }
        for (i, c) in convs.enumerated() {
            try check(c.kernel, expected.convs[i].kernel, "\(convNames[i]) kernel")
            try check(c.bias, expected.convs[i].bias, "\(convNames[i]) bias")
        }
        if let dense = classifier {
            for (i, d) in dense.enumerated() {
                try check(d.kernel, expected.dense[i].kernel, "\(Architecture.classifierLayerNames[i]) kernel")
                try check(d.bias, expected.dense[i].bias, "\(Architecture.classifierLayerNames[i]) bias")
            }
        }
    }

    private func check(_ values: [Float], _ shape: [Int], _ what: String) throws {
        let count = shape.reduce(1, *)
        guard values.count == count else {
            throw WeightsError.wrongShape(file: sourceName, tensor: what, expected: shape, found: [values.count])
        }
        // v − v is 0 for every finite v and NaN for NaN and ±∞: one subtraction and add per value, 16 at a time
        // (this runs over all 138M values at start-up).
        let finite = values.withUnsafeBufferPointer { p -> Bool in
            let raw = UnsafeRawPointer(p.baseAddress!), vectors = p.count / 16
            var sum = SIMD16<Float>()
            for i in 0..<vectors {
                let v = raw.loadUnaligned(fromByteOffset: i * 64, as: SIMD16<Float>.self)
                sum += v - v
            }
            for v in p[(vectors * 16)...] where !v.isFinite { return false }
            return sum == SIMD16<Float>()
        }
        guard finite else { throw WeightsError.nonFinite(file: sourceName, tensor: what) }
    }
}
