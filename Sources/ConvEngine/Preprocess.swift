extension Preprocessing {
    /// rgb: H·W·3 bytes, row-major RGB → the network's input (H,W,3) floats.
    public func apply(rgb: [UInt8], height: Int, width: Int) -> FeatureMap {
        apply(rgb: rgb.map { Float($0) }, height: height, width: width)
    }

    /// rgb: H·W·3 floats on the 0–255 scale, row-major RGB → the network's input (H,W,3).
    public func apply(rgb: [Float], height: Int, width: Int) -> FeatureMap {
        precondition(rgb.count == height * width * 3)
        var out = [Float](repeating: 0, count: rgb.count)
        let mean: [Float] = [0.485, 0.456, 0.406]
        let std: [Float] = [0.229, 0.224, 0.225]
        let bgrMean: [Float] = [103.939, 116.779, 123.68]
        for p in 0..<(height * width) {
            for c in 0..<3 {
                switch self {
                case .caffe: out[p * 3 + c] = rgb[p * 3 + 2 - c] - bgrMean[c]
                case .torch: out[p * 3 + c] = (rgb[p * 3 + c] / 255 - mean[c]) / std[c]
                case .tf: out[p * 3 + c] = rgb[p * 3 + c] / 127.5 - 1
                case .unit: out[p * 3 + c] = rgb[p * 3 + c] / 255
                case .none: out[p * 3 + c] = rgb[p * 3 + c]
                }
            }
        }
        return FeatureMap(height: height, width: width, channels: 3, data: out)
    }

    /// How far one step of 1 on the 0–255 pixel scale moves the network's input (torch: by the mean std).
    public var unitsPerPixelValue: Float {
        switch self {
        case .caffe, .none: return 1
        case .torch: return 1 / (255 * 0.226)
        case .tf: return 1 / 127.5
        case .unit: return 1 / 255
        }
    }

    /// Inverse of `apply`: the network's input back to 0–255 RGB.
    public func deprocess(_ input: FeatureMap) -> [Float] {
        var rgb = [Float](repeating: 0, count: input.data.count)
        let ch = channels
        for p in 0..<(input.height * input.width) {
            for c in 0..<3 { rgb[p * 3 + ch[c].source] = input.data[p * 3 + c] / ch[c].scale + ch[c].offset }
        }
        return rgb
    }
}
