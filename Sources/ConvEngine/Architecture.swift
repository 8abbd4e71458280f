/// The shape of a VGG16: five blocks of 3×3 'same' convolutions (2, 2, 3, 3, 3 of them) each followed by a 2×2/2
/// max-pool, then fc1, fc2 and predictions. `standard` is Keras's `keras.applications.VGG16`; tests use tiny widths.
public struct Architecture: Equatable, Sendable {
    public var widths: [Int]        // output channels of each block's convolutions, 5 entries
    public var fcWidth: Int         // fc1 and fc2 units
    public var classes: Int         // prediction units
    public var inputSize: Int       // input height = width, divisible by 32

    public static let convsPerBlock = [2, 2, 3, 3, 3]
    public static let standard = Architecture(widths: [64, 128, 256, 512, 512], fcWidth: 4096, classes: 1000, inputSize: 224)

    public init(widths: [Int], fcWidth: Int, classes: Int, inputSize: Int) {
        precondition(widths.count == 5 && inputSize % 32 == 0 && inputSize > 0)
        self.widths = widths; self.fcWidth = fcWidth; self.classes = classes; self.inputSize = inputSize
    }

    /// The 18 hidden layers in order: 13 convolutions and 5 max-pools, with Keras's names and output shapes.
    public var hiddenLayers: [LayerInfo] {
        var layers: [LayerInfo] = []
        var size = inputSize, channels = 3
        for (b, count) in Architecture.convsPerBlock.enumerated() {
            for c in 0..<count {
                let name = "block\(b + 1)_conv\(c + 1)"
                layers.append(LayerInfo(index: layers.count, name: name, kind: .conv(inChannels: channels, outChannels: widths[b]),
                                        height: size, width: size, channels: widths[b]))
                channels = widths[b]
            }
            size /= 2
            layers.append(LayerInfo(index: layers.count, name: "block\(b + 1)_pool", kind: .pool,
                                    height: size, width: size, channels: channels))
        }
        return layers
    }

    /// The 13 convolutions' (inChannels, outChannels), in order.
    public var convShapes: [(inChannels: Int, outChannels: Int)] {
        hiddenLayers.compactMap { if case let .conv(i, o) = $0.kind { return (i, o) } else { return nil } }
    }

    /// Inputs to fc1: the flattened last pool, H·W·C in Keras order.
    public var flattenSize: Int { (inputSize / 32) * (inputSize / 32) * widths[4] }

    public static let hiddenLayerNames: [String] = standard.hiddenLayers.map(\.name)
    public static let convLayerNames: [String] = standard.hiddenLayers.filter(\.isConv).map(\.name)
    public static let classifierLayerNames = ["fc1", "fc2", "predictions"]
}

public struct LayerInfo: Equatable, Sendable {
    public enum Kind: Equatable, Sendable { case conv(inChannels: Int, outChannels: Int), pool }
    public let index: Int
    public let name: String
    public let kind: Kind
    public let height: Int, width: Int, channels: Int
    public var isConv: Bool { if case .conv = kind { return true } else { return false } }
    /// "block3_conv2 · 56×56×256"
    public var label: String { "\(name) · \(height)×\(width)×\(channels)" }
    public var count: Int { height * width * channels }
}
