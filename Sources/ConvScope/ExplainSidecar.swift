import ConvEngine
import Foundation

/// What a map's JSON sidecar records: enough to make the same map again.
struct ExplainSidecar {
    let modelPath: String, modelSHA256: String?, preprocessing: String, score: String

    func json(image: String, map m: ExplainedMap, className: String?) throws -> Data {
        var parameters: [String: Any] = ["score": score]
        for (k, v) in m.parameters { parameters[k] = v }
        let object: [String: Any] = [
            "image": image, "model": modelPath, "model_sha256": modelSHA256 ?? NSNull(), "method": m.method,
            "parameters": parameters, "layer": m.layer ?? NSNull(), "class": m.classIndex ?? NSNull(),
            "class_name": className ?? NSNull(), "preprocessing": preprocessing,
            "shape": m.shape, "values": m.valuesDescription,
        ]
        return try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
    }
}
