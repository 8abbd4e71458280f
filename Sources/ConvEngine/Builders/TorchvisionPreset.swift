/// safetensors with torchvision or timm names → a VGG preset, with or without BatchNorm: `features.N.weight`
/// (O,I,3,3), then torchvision's `classifier.0/3/6` (out, in) or timm's `pre_logits.fc1` (4096,C,7,7),
/// `pre_logits.fc2`, `head.fc`. The preset is the one whose `features` indices match the file's exactly; the
/// classifier reads the flattened map in C·H·W order, as PyTorch flattens.
public enum TorchvisionPreset {
    /// torch.nn.BatchNorm2d's default ε.
    public static let batchNormEpsilon = 1e-5

    static func load(_ file: SafetensorsFile, epsilon: Double = batchNormEpsilon) throws -> Model {
        let convIndices = file.entries.values.compactMap { e -> Int? in
            let parts = e.name.split(separator: ".")
            // A convolution's weight, whatever its rank (a mis-shaped kernel is then refused by its shape); a BatchNorm
            // weight is one value per channel.
            guard parts.count == 3, parts[0] == "features", parts[2] == "weight", e.shape.count >= 2 else { return nil }
            return Int(parts[1])
        }.sorted()
        let batchNorm = file.entries["features.1.running_mean"] != nil
        guard
            let preset = VGGPreset.all.first(where: {
                $0.torchvisionConvIndices(batchNorm: batchNorm).flatMap { $0 } == convIndices
            })
        else {
            throw ModelError.unsupported(
                file: file.name, layer: "features",
                reason:
                    "its \(convIndices.count) convolutions (features \(convIndices.prefix(6).map(String.init).joined(separator: ", "))…) "
                    + "match none of torchvision's \(VGGPreset.all.map { $0.name.lowercased() + (batchNorm ? "_bn" : "") }.joined(separator: ", "))"
            )
        }
        var convs: [[VGGTensors.Conv]] = []
        var channels = 3
        for (b, block) in preset.torchvisionConvIndices(batchNorm: batchNorm).enumerated() {
            convs.append([])
            for (k, i) in block.enumerated() {
                let name = preset.convNames[b][k]
                let key = "features.\(i)"
                guard let cout = file.entries[key + ".weight"]?.shape.first, cout > 0, cout <= 65536 else {
                    throw WeightsError.missingLayer(file: file.name, layer: "\(name) (\(key))")
                }
                let oihw = try file.readFloats(
                    key + ".weight", shape: [cout, channels, 3, 3], tensor: "\(name) kernel")
                var hwio = [Float](repeating: 0, count: oihw.count)
                for o in 0..<cout {
                    for c in 0..<channels {
                        for t in 0..<9 { hwio[(t * channels + c) * cout + o] = oihw[(o * channels + c) * 9 + t] }
                    }
                }
                var bn: ChannelAffine?
                if batchNorm {
                    let bk = "features.\(i + 1)"
                    bn = .batchNormalization(
                        gamma: try file.readFloats(bk + ".weight", shape: [cout], tensor: "\(name) BatchNorm weight"),
                        beta: try file.readFloats(bk + ".bias", shape: [cout], tensor: "\(name) BatchNorm bias"),
                        mean: try file.readFloats(
                            bk + ".running_mean", shape: [cout], tensor: "\(name) BatchNorm mean"),
                        variance: try file.readFloats(
                            bk + ".running_var", shape: [cout], tensor: "\(name) BatchNorm variance"),
                        epsilon: epsilon)
                }
                convs[b].append(
                    .init(
                        kernel: hwio, bias: try file.readFloats(key + ".bias", shape: [cout], tensor: "\(name) bias"),
                        inChannels: channels, outChannels: cout, batchNorm: bn))
                channels = cout
            }
        }
        let dense = try classifier(file, lastChannels: channels)
        let format = "safetensors (\(file.entries["pre_logits.fc1.weight"] != nil ? "timm" : "torchvision"))"
        var preset2 = preset
        if batchNorm { preset2 = VGGPreset(name: preset.name + "_bn", convsPerBlock: preset.convsPerBlock) }
        return try VGGTensors(
            preset: preset2, convs: convs, classifier: dense, flatten: .chw, inputSize: 224, preprocessing: .torch,
            lastActivation: .linear, format: format, sourceName: file.name
        ).model()
    }

    /// torchvision's classifier.0/3/6 or timm's pre_logits.fc1/fc2 + head.fc as (in, out) dense kernels over the
    /// 7×7 map flattened C·H·W; empty for a backbone.
    private static func classifier(_ file: SafetensorsFile, lastChannels c5: Int) throws -> [VGGTensors.Dense] {
        let timm = file.entries["pre_logits.fc1.weight"] != nil
        let keys =
            timm ? ["pre_logits.fc1", "pre_logits.fc2", "head.fc"] : ["classifier.0", "classifier.3", "classifier.6"]
        let names = KerasWeightsPreset.classifierNames
        let present = keys.filter { file.entries[$0 + ".weight"] != nil }
        guard !present.isEmpty else { return [] }
        guard present.count == 3 else {
            let missing = keys.firstIndex { file.entries[$0 + ".weight"] == nil }!
            throw WeightsError.missingLayer(file: file.name, layer: "\(names[missing]) (\(keys[missing]))")
        }
        var inputs = c5 * 49
        var result: [VGGTensors.Dense] = []
        for (i, key) in keys.enumerated() {
            guard let shape = file.entries[key + ".weight"]?.shape, let out = shape.first, out > 0 else {
                throw WeightsError.missingLayer(file: file.name, layer: "\(names[i]) (\(key))")
            }
            let expected = timm && i == 0 ? [out, c5, 7, 7] : timm && i == 1 ? [out, inputs, 1, 1] : [out, inputs]
            let w = try file.readFloats(key + ".weight", shape: expected, tensor: "\(names[i]) kernel")
            result.append(
                .init(
                    name: names[i], kernel: VGGTensors.transpose(w, rows: out, cols: inputs),
                    bias: try file.readFloats(key + ".bias", shape: [out], tensor: "\(names[i]) bias"),
                    inputs: inputs, outputs: out))
            inputs = out
        }
        return result
    }
}

extension TorchvisionPreset {
    /// A torchvision/timm safetensors file with BatchNorm computed at `epsilon` (tests show a wrong ε is caught).
    public static func load(path: String, epsilon: Double) throws -> Model {
        try load(SafetensorsFile(path: path), epsilon: epsilon)
    }
}
