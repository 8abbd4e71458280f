import ConvEngine
import Foundation
import XCTest

/// Every CAM method against pytorch-grad-cam 1.5.5 on the same torchvision-layout VGG11-BN and input
/// (Tests/Explanations/cams.json, from make_cam_references.py): two layers (14×14 and 56×56), two classes each; the
/// normalised maps within 1e-3 (max absolute difference). A method swapped for another fails by far more.
final class CAMMethodFidelityTests: XCTestCase {
    struct Case {
        let hiddenIndex: Int
        let classIndex: Int
        let maps: [String: [Float]]
    }

    static let cases: [Case] = {
        let url = ModelReference.root.deletingLastPathComponent().appendingPathComponent("Explanations/cams.json")
        guard let data = try? Data(contentsOf: url),
            let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return [] }
        return (json["cases"] as? [[String: Any]] ?? []).map { c in
            Case(
                hiddenIndex: (c["hidden_index"] as! NSNumber).intValue, classIndex: (c["class"] as! NSNumber).intValue,
                maps: (c["maps"] as! [String: [NSNumber]]).mapValues { $0.map(\.floatValue) })
        }
    }()

    private func run() throws -> (Runner, Activations, Classification) {
        let ref = try ModelReference("vgg11_bn_torch")
        let runner = Runner(model: try ModelLoader.load(path: ref.path()))
        let a = try runner.forward(runner.model.preprocessing.apply(rgb: ref.rgb, height: ref.height, width: ref.width))
        return (runner, a, try runner.classify(a))
    }

    func testEveryMethod_MatchesPytorchGradCAM() throws {
        XCTAssertEqual(Self.cases.count, 4, "cams.json: 2 layers × 2 classes")
        let (runner, a, c) = try run()
        for method in CAMMethods.all {
            var worst: Float = 0
            for k in Self.cases {
                let layer = runner.model.hiddenLayers[k.hiddenIndex]
                let reference = try XCTUnwrap(k.maps[method.name], "no reference for \(method.name)")
                let ours = try runner.classActivationMap(
                    method, a, classification: c, layer: layer.name,
                    classIndex: k.classIndex)
                XCTAssertEqual(ours.map.count, reference.count)
                let error = zip(ours.map, reference).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) }
                XCTAssertLessThanOrEqual(error, 1e-3, "\(method.title) at \(layer.name), class \(k.classIndex)")
                worst = max(worst, error)
            }
            print("\(method.title): max difference from pytorch-grad-cam \(worst)")
        }
    }

    /// The comparison tells the methods apart: each method's map is far from every other method's reference somewhere.
    func testComparison_TellsTheMethodsApart() throws {
        let (runner, a, c) = try run()
        for method in CAMMethods.all {
            for other in CAMMethods.all where other.name != method.name {
                let worst =
                    try Self.cases.map { k -> Float in
                        let ours = try runner.classActivationMap(
                            method, a, classification: c,
                            layer: runner.model.hiddenLayers[k.hiddenIndex].name, classIndex: k.classIndex)
                        return zip(ours.map, k.maps[other.name]!).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) }
                    }.max() ?? 0
                XCTAssertGreaterThan(worst, 1e-2, "\(method.title) reads as \(other.title)")
            }
        }
    }

    func testEigenCAM_FromAForwardPassThatStopsAtItsLayer_IsTheSameMap() throws {
        let (runner, full, _) = try run()
        let info = runner.model.hiddenLayers[Self.cases[0].hiddenIndex]
        let partial = try runner.forward(full.input, through: info.last)
        XCTAssertEqual(partial.outputs.count, info.last + 1)
        XCTAssertEqual(partial.hidden.last?.name, info.name)
        for i in 0...info.last { XCTAssertEqual(partial.outputs[i].data, full.outputs[i].data, "layer \(i)") }
        let a = try runner.classActivationMap(EigenCAM(), partial, classification: nil, layer: info.name)
        let b = try runner.classActivationMap(EigenCAM(), full, classification: nil, layer: info.name)
        XCTAssertEqual(a.map, b.map)
        let deeper = runner.model.hiddenLayers.last { $0.last > info.last }!
        XCTAssertThrowsError(try partial.layer(named: deeper.name))
    }

    func testEigenCAM_RunsOnABackboneAndGradientMethodsSayWhatIsMissing() throws {
        let ref = try ModelReference("vgg19_keras")
        let model = try ModelLoader.load(path: ref.path("notop_file"))
        XCTAssertFalse(model.hasClassifier)
        let runner = Runner(model: model)
        let a = try runner.forward(model.preprocessing.apply(rgb: ref.rgb, height: ref.height, width: ref.width))
        let eigen = try runner.classActivationMap(EigenCAM(), a, classification: nil)
        XCTAssertNil(eigen.classIndex)
        XCTAssertEqual(eigen.map.max() ?? 0, 1, accuracy: 1e-6)
        XCTAssertThrowsError(try runner.classActivationMap(GradCAMPlusPlus(), a, classification: nil)) {
            XCTAssertEqual($0 as? EngineError, .noClassifier(model: model.sourceName))
        }
    }

    func testMethods_AreFoundByNameOrTitle() {
        XCTAssertEqual(CAMMethods.named("Grad-CAM++")?.name, "gradcam++")
        XCTAssertEqual(CAMMethods.named("layercam")?.title, "LayerCAM")
        XCTAssertNil(CAMMethods.named("gradient-free-magic"))
        XCTAssertEqual(Set(CAMMethods.all.map(\.name)).count, CAMMethods.all.count)
    }
}
