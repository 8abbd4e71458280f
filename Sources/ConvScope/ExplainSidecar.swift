import ConvEngine
import Foundation

/// What a map's JSON sidecar records: enough to make the same map again.
struct ExplainSidecar {
    let modelPath: String, modelSHA256: String?, preprocessing: String, score: String, scoreCamTop: Int?

    func json(image: String, cam: CAMResult, className: String?) throws -> Data {
        var parameters: [String: Any] = ["score": score]
        if cam.method == "scorecam" { parameters["top_channels"] = scoreCamTop ?? NSNull(); parameters["batch"] = 16 }
        let object: [String: Any] = [
            "image": image, "model": modelPath, "model_sha256": modelSHA256 ?? NSNull(), "method": cam.method,
            "parameters": parameters, "layer": cam.layer.name, "class": cam.classIndex ?? NSNull(),
            "class_name": className ?? NSNull(), "preprocessing": preprocessing,
            "shape": [cam.layer.height, cam.layer.width], "normalisation": "ReLU, then (m - min) / (1e-7 + max)",
        ]
        return try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
    }
}
