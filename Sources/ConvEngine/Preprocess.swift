extension Preprocessing {
    /// rgb: H·W·3 bytes, row-major RGB → the network's input (H,W,3) floats for these weights.
    public func apply(rgb: [UInt8], height: Int, width: Int) -> FeatureMap {
        apply(rgb: rgb.map { Float($0) }, height: height, width: width)
    }

    /// rgb: H·W·3 floats on the 0–255 scale, row-major RGB → the network's input (H,W,3) for these weights.
    public func apply(rgb: [Float], height: Int, width: Int) -> FeatureMap {
        precondition(rgb.count == height * width * 3)
        var out = [Float](repeating: 0, count: rgb.count)
        switch self {
        case .caffeBGR:
            let mean: [Float] = [103.939, 116.779, 123.68]   // B, G, R
            for p in 0..<(height * width) {
                for c in 0..<3 { out[p * 3 + c] = rgb[p * 3 + 2 - c] - mean[c] }
            }
        case .torchRGB:
            let mean: [Float] = [0.485, 0.456, 0.406], std: [Float] = [0.229, 0.224, 0.225]
            for p in 0..<(height * width) {
                for c in 0..<3 { out[p * 3 + c] = (rgb[p * 3 + c] / 255 - mean[c]) / std[c] }
            }
        }
        return FeatureMap(height: height, width: width, channels: 3, data: out)
    }

    /// How far one step of 1 on the 0–255 pixel scale moves the network's input (torchvision: by the mean std).
    public var unitsPerPixelValue: Float {
        switch self {
        case .caffeBGR: return 1
        case .torchRGB: return 1 / (255 * 0.226)
        }
    }

    /// Inverse of `apply` for one pixel value in channel `c` of the network's input order, back to 0–255 RGB order.
    public func deprocess(_ input: FeatureMap) -> [Float] {
        var rgb = [Float](repeating: 0, count: input.data.count)
        for p in 0..<(input.height * input.width) {
            for c in 0..<3 {
                switch self {
                case .caffeBGR: rgb[p * 3 + 2 - c] = input.data[p * 3 + c] + [103.939, 116.779, 123.68][c]
                case .torchRGB: rgb[p * 3 + c] = (input.data[p * 3 + c] * [0.229, 0.224, 0.225][c] + [0.485, 0.456, 0.406][c]) * 255
                }
            }
        }
        return rgb
    }
}
