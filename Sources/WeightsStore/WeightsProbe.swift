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

/// Tells full VGG16 weights from a backbone and from anything else, as cheaply as correctness allows:
/// safetensors from its JSON header alone (every tensor's name, dtype, shape and extent, no data read);
/// HDF5 files (Keras and Keras 3) by loading them with `WeightsLoader`, which checks every shape and value.
public enum WeightsProbe {
    public static func classify(path: String) -> Finding {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { return .nothing }
        if isDir.boolValue { return .rejected(WeightsError.isDirectory(path: path).description) }
        do {
            switch try WeightsLoader.detectFormat(path: path) {
            case .safetensors:
                return .found(try safetensorsKind(path: path), .safetensors)
            case let format:
                let weights = try WeightsLoader.load(path: path)
                return .found(weights.hasClassifier ? .full : .backbone, format)
            }
        } catch {
            return .rejected("\(error)")
        }
    }

    /// The kind of a torchvision / timm safetensors file, from its header: every convolution present with VGG16's
    /// shapes, and the classifier either complete with VGG16's shapes or absent.
    static func safetensorsKind(path: String) throws -> WeightsKind {
        let name = (path as NSString).lastPathComponent
        guard let fh = FileHandle(forReadingAtPath: path) else { throw WeightsError.unreadable(path: path, reason: "permission denied") }
        defer { try? fh.close() }
        let size = Int((try? fh.seekToEnd()) ?? 0)
        try? fh.seek(toOffset: 0)
        let head = (try? fh.read(upToCount: 8)) ?? Data()
        guard head.count == 8 else { throw WeightsError.truncated(file: name, detail: "shorter than the 8-byte header length") }
        let n = head.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard n <= 100 * 1024 * 1024 else { throw WeightsError.malformed(file: name, detail: "header length \(n) is over the 100 MB cap") }
        guard 8 + Int(n) <= size else { throw WeightsError.truncated(file: name, detail: "header runs past the end of the file") }
        let header = (try? fh.read(upToCount: Int(n))) ?? Data()
        guard header.count == Int(n),
              let json = try? JSONSerialization.jsonObject(with: header) as? [String: Any] else {
            throw WeightsError.malformed(file: name, detail: "header is not a JSON object")
        }
        struct Entry { let dtype: String; let shape: [Int] }
        var entries: [String: Entry] = [:]
        var extent = 0
        for (key, value) in json where key != "__metadata__" {
            guard let v = value as? [String: Any], let dtype = v["dtype"] as? String,
                  let shape = (v["shape"] as? [Any])?.compactMap({ ($0 as? NSNumber)?.intValue }),
                  let offsets = (v["data_offsets"] as? [Any])?.compactMap({ ($0 as? NSNumber)?.intValue }), offsets.count == 2 else {
                throw WeightsError.malformed(file: name, detail: "tensor \(key) lacks dtype, shape or data_offsets")
            }
            extent = max(extent, offsets[1])
            entries[key] = Entry(dtype: dtype, shape: shape)
        }
        let dataSize = size - 8 - Int(n)
        if extent > dataSize { throw WeightsError.truncated(file: name, detail: "tensors need \(extent) bytes, the file has \(dataSize)") }

        let a = Architecture.standard
        func check(_ key: String, _ shape: [Int], layer: String, tensor: String) throws {
            guard let e = entries[key] else { throw WeightsError.missingLayer(file: name, layer: "\(layer) (\(key))") }
            guard ["F32", "F16", "BF16", "F64"].contains(e.dtype) else {
                throw WeightsError.malformed(file: name, detail: "\(layer) \(tensor) is \(e.dtype), not floating point")
            }
            guard e.shape == shape else { throw WeightsError.wrongShape(file: name, tensor: "\(layer) \(tensor)", expected: shape, found: e.shape) }
        }
        let featureIndices = [0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28]
        for (i, (cin, cout)) in a.convShapes.enumerated() {
            let layer = Architecture.convLayerNames[i], key = "features.\(featureIndices[i])"
            try check(key + ".weight", [cout, cin, 3, 3], layer: layer, tensor: "kernel")
            try check(key + ".bias", [cout], layer: layer, tensor: "bias")
        }
        let timm = entries["pre_logits.fc1.weight"] != nil
        let keys = timm ? ["pre_logits.fc1", "pre_logits.fc2", "head.fc"] : ["classifier.0", "classifier.3", "classifier.6"]
        guard keys.contains(where: { entries[$0 + ".weight"] != nil }) else { return .backbone }
        let side = a.inputSize / 32
        let shapes = timm
            ? [[a.fcWidth, a.widths[4], side, side], [a.fcWidth, a.fcWidth, 1, 1], [a.classes, a.fcWidth]]
            : [[a.fcWidth, a.flattenSize], [a.fcWidth, a.fcWidth], [a.classes, a.fcWidth]]
        for (i, key) in keys.enumerated() {
            let layer = Architecture.classifierLayerNames[i]
            try check(key + ".weight", shapes[i], layer: layer, tensor: "kernel")
            try check(key + ".bias", [shapes[i][0]], layer: layer, tensor: "bias")
        }
        return .full
    }
}
