/// One method's result for one image: the map shown (height × width, 0…1) and the values written to .npy.
struct ExplainedMap {
    let method: String
    let layer: String?
    let classIndex: Int?
    let height: Int, width: Int
    let display: [Float]
    let values: [Float]
    let shape: [Int]
    let valuesDescription: String
    let parameters: [String: Any]
}
