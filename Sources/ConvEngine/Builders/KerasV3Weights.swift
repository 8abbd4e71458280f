/// Variables of a Keras 3 `model.weights.h5`: each layer's group is named after its class in snake case and
/// numbered per model (`layers/conv2d_1/vars/0`, nested: `layers/functional/layers/conv2d/vars/1`), not after the
/// layer. Keras 3.10 and later also write the layer's name on its `vars` group; when present it must match, and a
/// mismatch is resolved by looking the name up among the group's siblings.
struct KerasV3Weights: KerasWeightSource {
    let h5: HDF5File
    /// The `.keras` file's name, for messages.
    let file: String

    func shapes(of link: KerasConfigChain.Link) throws -> [[Int]] {
        try kerasHDF5(file) {
            let vars = try group(of: link) + "/vars"
            let indices = try h5.members(of: vars).map { name -> Int in
                guard let i = Int(name), i >= 0 else {
                    throw ModelError.malformed(file: file, detail: "unexpected variable \(vars)/\(name)")
                }
                return i
            }.sorted()
            guard indices == Array(0..<indices.count) else {
                throw ModelError.malformed(file: file,
                    detail: "variables of layer '\(link.entry.name)' are not numbered 0…n")
            }
            return try indices.map { i in
                guard let shape = try h5.datasetShape("\(vars)/\(i)") else {
                    throw ModelError.malformed(file: file, detail: "\(vars)/\(i) is not a dataset")
                }
                return shape
            }
        }
    }

    func read(_ index: Int, of link: KerasConfigChain.Link, shape: [Int]) throws -> [Float] {
        try kerasHDF5(file) {
            try h5.readFloats("\(try group(of: link))/vars/\(index)", shape: shape,
                tensor: "\(link.entry.name) variable \(index)")
        }
    }

    /// The layer's group: Keras's computed key, checked against the recorded layer name when there is one.
    private func group(of link: KerasConfigChain.Link) throws -> String {
        let key = link.weightsPath
        if try h5.exists(key + "/vars") {
            guard let recorded = try h5.stringsAttribute("name", of: key + "/vars")?.first,
                recorded != link.entry.name else {
                return key
            }
        }
        let parent = key.split(separator: "/").dropLast().joined(separator: "/")
        for member in try h5.members(of: parent) {
            let path = parent + "/" + member
            if try h5.stringsAttribute("name", of: path + "/vars")?.first == link.entry.name { return path }
        }
        throw ModelError.malformed(file: file,
            detail: "model.weights.h5 has no variables for layer '\(link.entry.name)' "
                                       + "(looked for \(key))")
    }
}
