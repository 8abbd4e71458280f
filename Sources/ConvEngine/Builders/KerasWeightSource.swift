/// Where a Keras model's variables are stored. Variables come in Keras's order for each layer: kernel, bias;
/// γ, β, moving mean, moving variance; mean, variance, count.
protocol KerasWeightSource {
    /// The shapes of the layer's variables in order, read without their data.
    func shapes(of link: KerasConfigChain.Link) throws -> [[Int]]
    /// Variable `index` of the layer as Float32, checked to have `shape`.
    func read(_ index: Int, of link: KerasConfigChain.Link, shape: [Int]) throws -> [Float]
}

/// Runs `body`, turning the HDF5 reader's `WeightsError`s (worded for VGG16 weights files) into `ModelError`s.
func kerasHDF5<T>(_ file: String, _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as WeightsError {
        switch error {
        case .wrongShape(_, let tensor, let expected, let found):
            throw ModelError.badShape(file: file, layer: tensor,
                                      detail: "weights have shape \(found), the config needs \(expected)")
        case .truncated(_, let detail), .malformed(_, let detail):
            throw ModelError.malformed(file: file, detail: detail)
        case .unsafeHDF5(_, let detail):
            throw ModelError.unsupported(file: file, layer: "HDF5 weights", reason: "refused: \(detail)")
        default:
            throw ModelError.malformed(file: file, detail: error.description)
        }
    }
}
