import ConvEngine
import Foundation
import XCTest

/// A model of `Tests/Models/` and what Keras, ONNX Runtime or PyTorch computed on its input (`make_models.py`).
struct ModelReference {
    struct Hidden {
        let name: String
        let shape: [Int]
        let maxAbs: Float
        let indices: [Int]
        let values: [Float]
    }
    let folder: URL
    let json: [String: Any]
    let hidden: [Hidden]
    let probabilities: [Float]
    let camLayer: String, camClass: Int, camMap: [Float]
    /// The network's input pixels, RGB 0–255, at the model's size.
    let rgb: [Float]
    let height: Int, width: Int

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Models")

    init(_ name: String) throws {
        folder = ModelReference.root.appendingPathComponent(name)
        let data = try Data(contentsOf: folder.appendingPathComponent("reference.json"))
        json = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        func floats(_ v: Any?) -> [Float] { (v as? [NSNumber] ?? []).map { $0.floatValue } }
        hidden = (json["hidden"] as? [[String: Any]] ?? []).map {
            Hidden(
                name: $0["name"] as! String, shape: ($0["shape"] as! [NSNumber]).map(\.intValue),
                maxAbs: ($0["max_abs"] as! NSNumber).floatValue,
                indices: ($0["indices"] as! [NSNumber]).map(\.intValue),
                values: floats($0["values"]))
        }
        probabilities = floats(json["probabilities"])
        let cam = json["gradcam"] as? [String: Any] ?? [:]
        camLayer = cam["layer"] as? String ?? ""
        camClass = (cam["class"] as? NSNumber)?.intValue ?? 0
        camMap = floats(cam["map"])
        let size = (json["input_size"] as! [NSNumber]).map(\.intValue)
        (height, width) = (size[0], size[1])
        rgb = try ModelReference.readNPY(
            folder.appendingPathComponent(json["input"] as! String), count: height * width * 3)
    }

    func path(_ key: String = "model_file") -> String { folder.appendingPathComponent(json[key] as! String).path }

    /// A float32 little-endian C-order .npy's values.
    static func readNPY(_ url: URL, count: Int) throws -> [Float] {
        let data = try Data(contentsOf: url)
        let headerLength = Int(data[8]) | Int(data[9]) << 8
        let start = 10 + headerLength
        XCTAssertEqual(data.count - start, count * 4, "\(url.lastPathComponent) holds \(count) float32 values")
        return data[start...].withUnsafeBytes { b in
            (0..<count).map { Float(bitPattern: b.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self)) }
        }
    }

    /// A little-endian float64 .npy of `count` values (the references' `NAME_float64.npy`).
    static func readNPY64(_ url: URL, count: Int) throws -> [Double] {
        let data = try Data(contentsOf: url)
        let headerLength = Int(data[8]) | Int(data[9]) << 8
        XCTAssertTrue(String(decoding: data[10..<(10 + headerLength)], as: UTF8.self).contains("'<f8'"))
        let start = 10 + headerLength
        XCTAssertEqual(data.count - start, count * 8, "\(url.lastPathComponent) holds \(count) float64 values")
        return data[start...].withUnsafeBytes { b in
            (0..<count).map { Double(bitPattern: b.loadUnaligned(fromByteOffset: 8 * $0, as: UInt64.self)) }
        }
    }

    /// The worst errors of a run against this reference: every hidden layer relative to its largest value, the
    /// probabilities, and Grad-CAM at the reference's layer and class.
    struct Errors {
        var hidden: Float = 0
        var worstLayer = ""
        var probabilities: Float = 0
        var cam: Float = 0
        var shapes = true
    }

    func measure(_ runner: Runner, input: FeatureMap? = nil, checkNames: Bool = true) throws -> Errors {
        var e = Errors()
        let x = input ?? runner.model.preprocessing.apply(rgb: rgb, height: height, width: width)
        let a = try runner.forward(x)
        XCTAssertEqual(a.hidden.count, hidden.count, "hidden layers")
        for (i, ref) in hidden.enumerated() where i < a.hidden.count {
            let info = a.hidden[i]
            if checkNames { XCTAssertEqual(info.name, ref.name) }
            if [info.height, info.width, info.channels] != ref.shape {
                e.shapes = false
                continue
            }
            let map = a.layer(i).data
            var worst: Float = 0
            for (k, idx) in ref.indices.enumerated() { worst = max(worst, abs(map[idx] - ref.values[k])) }
            worst /= max(ref.maxAbs, 1e-12)
            if worst > e.hidden {
                e.hidden = worst
                e.worstLayer = ref.name
            }
        }
        guard runner.model.hasClassifier else { return e }
        let c = try runner.classify(a)
        XCTAssertEqual(c.probabilities.count, probabilities.count, "classes")
        e.probabilities = zip(c.probabilities, probabilities).map { abs($0 - $1) }.max() ?? .infinity
        let layer = checkNames ? camLayer : runner.model.lastConvolution!.name
        let cam = try runner.gradCAM(a, classification: c, layer: layer, classIndex: camClass, score: .logit)
        XCTAssertEqual(cam.map.count, camMap.count, "Grad-CAM size")
        e.cam = zip(cam.map, camMap).map { abs($0 - $1) }.max() ?? .infinity
        return e
    }
}
