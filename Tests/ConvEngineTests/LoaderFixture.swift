import ConvEngine
import XCTest

/// Canonical tiny weights, a fixed input, and the reference model built from them, for the loader tests.
struct LoaderFixture {
    let architecture = TinyNetwork.loaderArchitecture
    let canonical: VGG16Weights
    let input: FeatureMap
    let reference: Activations
    let referenceLogits: [Float]?

    init(seed: UInt64, classifier: Bool = true) {
        canonical = TinyNetwork.randomWeights(TinyNetwork.loaderArchitecture, seed: seed, classifier: classifier)
        input = TinyNetwork.randomInput(TinyNetwork.loaderArchitecture, seed: seed + 1)
        let net = VGG16(weights: canonical)
        reference = try! net.forward(input)
        referenceLogits = classifier ? try! net.classify(reference).logits : nil
    }

    /// Every loaded tensor equals the canonical one bit for bit.
    func assertSameTensors(_ loaded: VGG16Weights, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(loaded.architecture, architecture, file: file, line: line)
        XCTAssertEqual(loaded.convs.count, 13, file: file, line: line)
        for (i, (l, c)) in zip(loaded.convs, canonical.convs).enumerated() {
            XCTAssertEqual(l.kernel, c.kernel, "\(Architecture.convLayerNames[i]) kernel", file: file, line: line)
            XCTAssertEqual(l.bias, c.bias, "\(Architecture.convLayerNames[i]) bias", file: file, line: line)
        }
        XCTAssertEqual(loaded.classifier?.count, canonical.classifier?.count, file: file, line: line)
        for (i, (l, c)) in zip(loaded.classifier ?? [], canonical.classifier ?? []).enumerated() {
            XCTAssertEqual(l.kernel, c.kernel, "\(Architecture.classifierLayerNames[i]) kernel", file: file, line: line)
            XCTAssertEqual(l.bias, c.bias, "\(Architecture.classifierLayerNames[i]) bias", file: file, line: line)
        }
    }

    /// Largest difference between the loaded model's and the reference's outputs at `layer`.
    func activationDifference(_ loaded: VGG16Weights, layer: String) throws -> Float {
        let acts = try VGG16(weights: loaded).forward(input)
        return maxAbsoluteDifference(try acts.layer(named: layer).data, try reference.layer(named: layer).data)
    }

    func logitDifference(_ loaded: VGG16Weights) throws -> Float {
        let net = VGG16(weights: loaded)
        return maxAbsoluteDifference(try net.classify(try net.forward(input)).logits, referenceLogits!)
    }
}
