import ConvEngine
import Foundation
import XCTest

/// Every CAM and input-attribution method on VGG16 (Tests/Models/vgg16_finetuned: VGG16's 13 convolutions and 5
/// pools, narrow seeded widths, a flowers head with batch normalisation, loaded from its model.keras) against
/// pytorch-grad-cam 1.5.5 and Captum 0.9 on the same weights ported to torch and the same caffe-preprocessed input
/// (Tests/Explanations/vgg16/, from make_vgg16_references.py). CAMs at block5_conv3, top and third class: normalised
/// maps within 1e-3. Attributions, top class: within 1e-3 of the reference's largest |value|, plus however far
/// Captum's own map moves when its model runs in float64 (attributions.json's "float64_difference").
final class VGG16FidelityTests: XCTestCase {
    static let folder = ModelReference.root.deletingLastPathComponent().appendingPathComponent("Explanations/vgg16")

    struct Setup {
        let runner: Runner, activations: Activations, classification: Classification
        let meta: [String: Any]
    }

    private func setup() throws -> Setup {
        let ref = try ModelReference("vgg16_finetuned")
        let runner = Runner(model: try ModelLoader.load(path: ref.path()))
        let a = try runner.forward(runner.model.preprocessing.apply(rgb: ref.rgb, height: ref.height, width: ref.width))
        let meta = try XCTUnwrap(
            JSONSerialization.jsonObject(
                with: Data(contentsOf: Self.folder.appendingPathComponent("attributions.json"))) as? [String: Any])
        return Setup(runner: runner, activations: a, classification: try runner.classify(a), meta: meta)
    }

    private func maxDifference(_ a: [Float], _ b: [Float]) -> Float {
        zip(a, b).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) }
    }

    private func reference(_ name: String) throws -> [Float] {
        try ModelReference.readNPY(Self.folder.appendingPathComponent("\(name).npy"), count: 128 * 160 * 3)
    }

    func testEveryCAMMethod_MatchesPytorchGradCAMOnVGG16() throws {
        let s = try setup()
        let json = try XCTUnwrap(
            JSONSerialization.jsonObject(with: Data(contentsOf: Self.folder.appendingPathComponent("cams.json")))
                as? [String: Any])
        let cases = try XCTUnwrap(json["cases"] as? [[String: Any]])
        XCTAssertEqual(cases.count, 2, "top and third class")
        XCTAssertEqual(cases.first?["class"] as? Int, s.classification.top(1)[0].index, "the reference's top class")
        let layer = try XCTUnwrap(json["layer"] as? String)
        for method in CAMMethods.all {
            var worst: Float = 0
            for k in cases {
                let classIndex = try XCTUnwrap(k["class"] as? Int)
                let maps = try XCTUnwrap(k["maps"] as? [String: [NSNumber]])
                let reference = try XCTUnwrap(maps[method.name], "no reference for \(method.name)").map(\.floatValue)
                let ours = try s.runner.classActivationMap(
                    method, s.activations, classification: s.classification, layer: layer, classIndex: classIndex)
                XCTAssertEqual(ours.map.count, reference.count)
                let error = maxDifference(ours.map, reference)
                XCTAssertLessThanOrEqual(error, 1e-3, "\(method.title), class \(classIndex)")
                // a method swapped for another is caught: every other method's reference is far away somewhere
                for other in CAMMethods.all where other.name != method.name {
                    let far = maxDifference(ours.map, maps[other.name]?.map(\.floatValue) ?? [])
                    XCTAssertGreaterThan(far, 1e-2, "\(method.title) reads as \(other.title), class \(classIndex)")
                }
                worst = max(worst, error)
            }
            print("VGG16 \(method.title): max difference from pytorch-grad-cam \(worst)")
        }
    }

    func testEveryAttributionMethod_MatchesCaptumOnVGG16() throws {
        let s = try setup()
        let classIndex = try XCTUnwrap(s.meta["class"] as? Int)
        XCTAssertEqual(classIndex, s.classification.top(1)[0].index, "the reference's top class")
        let spreads = try XCTUnwrap(s.meta["float64_difference"] as? [String: Double])
        let names = Set(try XCTUnwrap(s.meta["methods"] as? [String]))
        let checked = AttributionMethods.all.filter { names.contains($0.name) }
        XCTAssertEqual(checked.count, AttributionMethods.all.count - 1, "every method but SmoothGrad has a reference")
        for method in checked {
            let reference = try reference(method.name)
            let spread = Float(try XCTUnwrap(spreads[method.name]))
            let ours = try s.runner.attribution(method, s.activations, classIndex: classIndex)
            let error = maxDifference(ours, reference) / (reference.map(abs).max() ?? 1)
            print("VGG16 \(method.title): max difference from Captum \(error) of the largest |attribution|; Captum's "
                + "own float32 and float64 maps differ by \(spread)")
            XCTAssertLessThanOrEqual(error, 1e-3 + spread, method.title)
            for other in checked where other.name != method.name {
                let otherReference = try self.reference(other.name)
                let far = maxDifference(ours, otherReference) / (otherReference.map(abs).max() ?? 1)
                XCTAssertGreaterThan(far, 1e-2, "\(method.title) reads as \(other.title)")
            }
        }
    }
}
