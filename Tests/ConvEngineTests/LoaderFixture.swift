import ConvEngine
import XCTest

/// Canonical tiny weights, a fixed input, and the reference model built from them, for the loader tests.
struct LoaderFixture {
    let architecture = TinyNetwork.loaderArchitecture
    let canonical: Model
    let input: FeatureMap
    let reference: Activations
    let referenceLogits: [Float]?

    init(seed: UInt64, classifier: Bool = true) {
        canonical = TinyNetwork.randomModel(TinyNetwork.loaderArchitecture, seed: seed, classifier: classifier)
        input = TinyNetwork.randomInput(TinyNetwork.loaderArchitecture, seed: seed + 1)
        let runner = Runner(model: canonical)
        reference = try! runner.forward(input)
        referenceLogits = classifier ? try! runner.classify(reference).logits : nil
    }

    /// Every loaded tensor equals the canonical one bit for bit, in the same layers with the same names and shapes.
    /// A PyTorch file's fc1 reads the map flattened C·H·W (`flatten`), so its kernel rows are compared in that order.
    func assertSameTensors(
        _ loaded: Model, flatten: FlattenOrder = .hwc, file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertEqual(loaded.input, canonical.input, file: file, line: line)
        XCTAssertEqual(loaded.name, "VGG16", file: file, line: line)
        XCTAssertEqual(loaded.layers.map(\.name), canonical.layers.map(\.name), file: file, line: line)
        XCTAssertEqual(loaded.layers.map(\.output), canonical.layers.map(\.output), file: file, line: line)
        XCTAssertEqual(loaded.hiddenLayers, canonical.hiddenLayers, file: file, line: line)
        XCTAssertEqual(loaded.convolutions.count, 13, file: file, line: line)
        for (l, c) in zip(loaded.convolutions, canonical.convolutions) {
            XCTAssertEqual(l.parameters.kernel, c.parameters.kernel, "\(c.name) kernel", file: file, line: line)
            XCTAssertEqual(l.parameters.bias, c.parameters.bias, "\(c.name) bias", file: file, line: line)
            XCTAssertEqual(l.parameters.activation, .relu, "\(c.name) activation", file: file, line: line)
        }
        XCTAssertEqual(loaded.hasClassifier, canonical.hasClassifier, file: file, line: line)
        XCTAssertEqual(loaded.denseLayers.count, canonical.denseLayers.count, file: file, line: line)
        XCTAssertEqual(loaded.flattenOrder, canonical.hasClassifier ? flatten : nil, file: file, line: line)
        for (i, (l, c)) in zip(loaded.denseLayers, canonical.denseLayers).enumerated() {
            var kernel = c.parameters.kernel
            if i == 0 && flatten == .chw { kernel = WeightFiles.kerasFC1InCHWOrder(kernel, architecture) }
            XCTAssertEqual(l.parameters.kernel, kernel, "\(c.name) kernel", file: file, line: line)
            XCTAssertEqual(l.parameters.bias, c.parameters.bias, "\(c.name) bias", file: file, line: line)
            XCTAssertEqual(
                l.parameters.activation, c.parameters.activation, "\(c.name) activation", file: file, line: line)
        }
        if canonical.hasClassifier { XCTAssertEqual(loaded.classes, architecture.classes, file: file, line: line) }
    }

    /// Largest difference between the loaded model's and the reference's outputs at hidden layer `layer`.
    func activationDifference(_ loaded: Model, layer: String) throws -> Float {
        let acts = try Runner(model: loaded).forward(input)
        return maxAbsoluteDifference(try acts.layer(named: layer).data, try reference.layer(named: layer).data)
    }

    func logitDifference(_ loaded: Model) throws -> Float {
        let runner = Runner(model: loaded)
        return maxAbsoluteDifference(try runner.classify(try runner.forward(input)).logits, referenceLogits!)
    }
}
