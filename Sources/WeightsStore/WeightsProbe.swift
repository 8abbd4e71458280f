import ConvEngine
import Foundation

/// What a weights file supports.
public enum WeightsKind: String, Sendable, Equatable {
    /// The 13 convolutions and the classifier: 18 layers, classes, Grad-CAM.
    case full
    /// The 13 convolutions only: 18 layers and filter images.
    case backbone

    /// "full (18 layers, classes, Grad-CAM)" or "backbone (18 layers and filter images only)"
    public var supports: String {
        switch self {
        case .full: return "full (18 layers, classes, Grad-CAM)"
        case .backbone: return "backbone (18 layers and filter images only; no classes, no Grad-CAM)"
        }
    }
}

/// What discovery found at one path.
public enum Finding: Sendable, Equatable {
    /// The place was not given (an unset option or variable).
    case notGiven
    /// Nothing there.
    case nothing
    /// VGG16 weights of this kind and format.
    case found(WeightsKind, WeightFormat)
    /// A file is there but it is not usable VGG16 weights; the reason says why.
    case rejected(String)

    public var kind: WeightsKind? { if case .found(let k, _) = self { return k } else { return nil } }

    public var summary: String {
        switch self {
        case .notGiven: return "not given"
        case .nothing: return "nothing"
        case .found(let k, let f): return "\(k.rawValue), \(f.rawValue)"
        case .rejected(let why): return "skipped: \(why)"
        }
    }
}

/// Tells full VGG16 weights from a backbone and from anything else, with the loader's own checks
/// (`WeightsLoader.inspect`): safetensors from the header alone, HDF5 files (Keras and Keras 3) by loading them.
public enum WeightsProbe {
    public static func classify(path: String) -> Finding { classify(path: path, loaded: { _ in }) }

    /// As `classify(path:)`; when judging the file meant loading it (HDF5), the weights are handed to `loaded`
    /// so a caller that goes on to use the file need not read it again.
    public static func classify(path: String, loaded: (VGG16Weights) -> Void) -> Finding {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { return .nothing }
        if isDir.boolValue { return .rejected(WeightsError.isDirectory(path: path).description) }
        do {
            let format = try WeightsLoader.detectFormat(path: path)
            if format == .safetensors {
                return .found(try WeightsLoader.inspect(path: path).hasClassifier ? .full : .backbone, format)
            }
            let weights = try WeightsLoader.load(path: path)
            loaded(weights)
            return .found(weights.hasClassifier ? .full : .backbone, format)
        } catch {
            return .rejected("\(error)")
        }
    }
}
