/// Variables of a legacy Keras full-model `.h5`: `model_weights/<layer>/` lists its datasets in a `weight_names`
/// attribute, in Keras's variable order. A nested model keeps all its layers' weights in its own group,
/// `model_weights/<model>/`, named `<layer>/<variable>` (Keras 2 adds ":0").
struct KerasLegacyWeights: KerasWeightSource {
    let h5: HDF5File
    let file: String

    func shapes(of link: KerasConfigChain.Link) throws -> [[Int]] {
        try kerasHDF5(file) {
            try datasets(of: link).map { path in
                guard let shape = try h5.datasetShape(path) else {
                    throw ModelError.malformed(file: file,
                        detail: "weight \(path) of layer '\(link.entry.name)' is missing")
                }
                return shape
            }
        }
    }

    func read(_ index: Int, of link: KerasConfigChain.Link, shape: [Int]) throws -> [Float] {
        try kerasHDF5(file) {
            let paths = try datasets(of: link)
            guard paths.indices.contains(index) else {
                throw ModelError.malformed(file: file, detail: "layer '\(link.entry.name)' has no weight \(index)")
            }
            return try h5.readFloats(paths[index], shape: shape, tensor: "\(link.entry.name) \(paths[index])")
        }
    }

    /// The layer's dataset paths, in `weight_names` order.
    private func datasets(of link: KerasConfigChain.Link) throws -> [String] {
        let name = link.entry.name
        let group = "model_weights/" + (link.outerModel ?? name)
        guard let names = try h5.stringsAttribute("weight_names", of: group) else {
            throw ModelError.malformed(file: file,
                detail: "\(group) has no weight_names; the weights of '\(name)' are missing")
        }
        guard link.outerModel != nil else { return names.map { group + "/" + $0 } }
        return names.filter { n in
            let parts = n.split(separator: "/")
            return parts.count >= 2 && parts[parts.count - 2] == name
        }.map { group + "/" + $0 }
    }
}
