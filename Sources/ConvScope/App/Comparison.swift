import ConvEngine

/// A class activation map as the CAM pane shows it: the method's title, where, for which class and score.
struct CAMMap {
    let method: String
    let layer: LayerInfo
    let classIndex: Int
    let scoreValue: Float
    /// layer.height × layer.width, 0…1 (pytorch-grad-cam's normalisation).
    let map: [Float]
}

/// One method's entry in the compare view: its map and how far the network agrees with it.
struct CompareCell {
    let generation: Int
    /// The request it answers, method left out.
    let request: CAMRequest
    /// `CAMMethod.name`, to make it the pane's method on a click.
    let name: String
    let map: CAMMap
    let scores: Faithfulness
    let seconds: Double
}

/// The compare view's cells for one image and request, in the order they arrived.
struct Comparison {
    var generation = -1
    var request = CAMRequest()
    var cells: [CompareCell] = []
}
