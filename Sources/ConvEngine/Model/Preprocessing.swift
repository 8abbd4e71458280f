/// How a photo's 0–255 RGB pixels become the network's input. The names are the command line's.
public enum Preprocessing: String, Sendable, CaseIterable {
    /// Keras / Caffe VGG: BGR, minus the ImageNet mean (103.939, 116.779, 123.68), on 0–255 pixels.
    case caffe
    /// torchvision: RGB / 255, minus mean (0.485, 0.456, 0.406), divided by std (0.229, 0.224, 0.225).
    case torch
    /// RGB / 127.5 − 1.
    case tf
    /// RGB / 255.
    case unit
    /// RGB 0–255 as it is (for models with Rescaling or Normalization inside).
    case none

    /// "caffe (BGR − ImageNet mean)" for the status bar and `convscope weights`.
    public var summary: String {
        switch self {
        case .caffe: return "caffe (BGR − ImageNet mean)"
        case .torch: return "torch (RGB/255, mean/std)"
        case .tf: return "tf (RGB/127.5 − 1)"
        case .unit: return "unit (RGB/255)"
        case .none: return "none (RGB 0–255)"
        }
    }

    /// Per input channel (in the network's channel order): input = (pixel − offset) · scale, and which RGB channel
    /// feeds it.
    var channels: [(source: Int, offset: Float, scale: Float)] {
        switch self {
        case .caffe: return [(2, 103.939, 1), (1, 116.779, 1), (0, 123.68, 1)]
        case .torch:
            return [
                (0, 0.485 * 255, 1 / (0.229 * 255)), (1, 0.456 * 255, 1 / (0.224 * 255)),
                (2, 0.406 * 255, 1 / (0.225 * 255)),
            ]
        case .tf: return [(0, 127.5, 1 / 127.5), (1, 127.5, 1 / 127.5), (2, 127.5, 1 / 127.5)]
        case .unit: return [(0, 0, 1 / 255), (1, 0, 1 / 255), (2, 0, 1 / 255)]
        case .none: return [(0, 0, 1), (1, 0, 1), (2, 0, 1)]
        }
    }
}

extension Preprocessing {
    /// A gradient with respect to the network's input (position-major, the network's channel order) as one with
    /// respect to the RGB pixels (0–255) it was made from: each channel moved to its RGB place and multiplied by its
    /// scale (the chain rule through input = (pixel − offset) · scale).
    public func pixelGradient(_ g: [Float]) -> [Float] {
        let map = channels
        precondition(g.count % map.count == 0)
        var out = [Float](repeating: 0, count: g.count)
        for p in stride(from: 0, to: g.count, by: map.count) {
            for (j, c) in map.enumerated() { out[p + c.source] = g[p + j] * c.scale }
        }
        return out
    }
}
