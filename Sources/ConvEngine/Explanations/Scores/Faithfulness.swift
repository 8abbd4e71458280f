/// How far the network itself agrees with a map, on one image and class: RISE's deletion and insertion curves
/// (Petsiuk et al., 2018; `CausalCurve`) and Grad-CAM++'s Average Drop and Increase in Confidence (Chattopadhay et
/// al., 2018; pytorch-grad-cam's `metrics/cam_mult_image.py`: the preprocessed image multiplied by the map).
public struct Faithfulness: Sendable {
    public let deletion: CausalCurve
    public let insertion: CausalCurve
    /// The class's probability on the image, and on the image multiplied by the map.
    public let probability: Float
    public let maskedProbability: Float
    /// Average Drop on this image, in percent: max(0, p − p_masked) / p × 100 (lower is better).
    public var drop: Float { probability > 0 ? max(0, probability - maskedProbability) / probability * 100 : 0 }
    /// Increase in Confidence on this image: the masked image scores higher.
    public var increase: Bool { maskedProbability > probability }
}

extension CAMMethods {
    /// A map at a layer's resolution brought to `oh` × `ow` bilinearly (corners aligned), for scoring at the input.
    public static func upsampled(_ map: [Float], height h: Int, width w: Int, to oh: Int, _ ow: Int) -> [Float] {
        ScoreCAM.upsample(map, h, w, to: oh, ow)
    }
}

extension Runner {
    /// The faithfulness scores of `map` (input height × width, larger = more relevant) for class `classIndex` of the
    /// preprocessed image `input`; deletion and insertion at `steps` steps each, with the masked image, in one batched
    /// run.
    public func faithfulness(input: FeatureMap, map: [Float], classIndex: Int, steps: Int = 20) throws -> Faithfulness {
        let c = input.channels
        var masked = input.data
        for p in 0..<map.count { for k in 0..<c { masked[p * c + k] *= map[p] } }
        let run = causalCurves(
            [.deletion, .insertion], input: input, map: map, classIndex: classIndex, steps: steps, extra: [masked])
        return Faithfulness(
            deletion: run.curves[0], insertion: run.curves[1], probability: run.curves[0].probabilities.first ?? 0,
            maskedProbability: run.extra[0])
    }
}
