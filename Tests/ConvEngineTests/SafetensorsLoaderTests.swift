import ConvEngine
import XCTest

/// safetensors with torchvision names (`features.N`, `classifier.0/3/6`) and timm names (`pre_logits.fc1/fc2`, `head.fc`).
/// PyTorch flattens C·H·W, so the loaded model keeps fc1's rows in that order behind a C·H·W Flatten; the logits
/// equal the Keras-ordered reference's up to the order of fc1's sum.
final class SafetensorsLoaderTests: XCTestCase {
    private let fixture = LoaderFixture(seed: 101)
    private var folder: TemporaryFolder!
    /// fc1 sums its inputs in another order than the reference: Float rounding, far below a wrong mapping's 1e-2.
    private let reorderedSumTolerance: Float = 1e-5

    override func setUpWithError() throws { folder = try TemporaryFolder("safetensors") }
    override func tearDown() { folder = nil }

    private func load(_ tensors: [Tensor], as name: String) throws -> Model {
        try ModelLoader.load(path: try folder.write(name, WeightFiles.safetensors(tensors)))
    }

    func testLoad_TorchvisionNames_GiveCanonicalTensorsFormatAndPreprocessing() throws {
        let path = try folder.write(
            "vgg16-397923af.safetensors", WeightFiles.safetensors(WeightFiles.torchvision(fixture.canonical)))
        XCTAssertEqual(try ModelLoader.detect(path: path), .safetensors)
        let w = try ModelLoader.load(path: path)
        fixture.assertSameTensors(w, flatten: .chw)
        XCTAssertEqual(w.format, "safetensors (torchvision)")
        XCTAssertEqual(w.preprocessing, .torch)
        XCTAssertEqual(w.output, .softmax, "torchvision's linear head gives logits; probabilities by softmax")
        XCTAssertEqual(w.sourceName, "vgg16-397923af.safetensors")
        XCTAssertEqual(try fixture.activationDifference(w, layer: "block5_pool"), 0)
        XCTAssertLessThanOrEqual(try fixture.logitDifference(w), reorderedSumTolerance)
    }

    func testLoad_TimmNames_GiveCanonicalTensors() throws {
        let w = try load(WeightFiles.timm(fixture.canonical), as: "model.safetensors")
        fixture.assertSameTensors(w, flatten: .chw)
        XCTAssertEqual(w.format, "safetensors (timm)")
        XCTAssertEqual(w.preprocessing, .torch)
        XCTAssertLessThanOrEqual(try fixture.logitDifference(w), reorderedSumTolerance)
    }

    func testLoad_FeaturesOnly_HasNoClassifier() throws {
        let backbone = LoaderFixture(seed: 102, classifier: false)
        let w = try load(WeightFiles.torchvision(backbone.canonical), as: "features.safetensors")
        XCTAssertFalse(w.hasClassifier)
        backbone.assertSameTensors(w)
    }

    /// features.19 (block4_conv2, 4→4) written (I,O,3,3) instead of (O,I,3,3): same shape, different activations.
    func testLoad_KernelWithInputAndOutputAxesSwapped_ChangesActivations() throws {
        var tensors = WeightFiles.torchvision(fixture.canonical)
        let k = fixture.canonical.convolutions[8].parameters.kernel  // block4_conv2 HWIO
        XCTAssertEqual(fixture.canonical.convolutions[8].name, "block4_conv2")
        tensors["features.19.weight"].values = WeightFiles.oihw(
            WeightFiles.hwoi(k, inChannels: 4, outChannels: 4), inChannels: 4, outChannels: 4)
        let w = try load(tensors, as: "swapped.safetensors")
        XCTAssertEqual(try fixture.activationDifference(w, layer: "block4_conv1"), 0)
        let diff = try fixture.activationDifference(w, layer: "block4_conv2")
        print("block4_conv2 activation difference with a swapped kernel \(diff)")
        XCTAssertGreaterThan(diff, 1e-2)
    }

    /// classifier.0 with its inputs in Keras's H·W·C order instead of PyTorch's C·H·W.
    func testLoad_TorchvisionFC1InHWCOrder_ChangesLogits() throws {
        var tensors = WeightFiles.torchvision(fixture.canonical)
        let a = fixture.architecture
        tensors["classifier.0.weight"].values = WeightFiles.transposed(
            fixture.canonical.denseLayers[0].parameters.kernel, rows: a.flattenSize, cols: a.fcWidth)
        let w = try load(tensors, as: "hwc.safetensors")
        XCTAssertEqual(try fixture.activationDifference(w, layer: "block5_pool"), 0)
        let diff = try fixture.logitDifference(w)
        print("logit difference with classifier.0 in H·W·C order \(diff)")
        XCTAssertGreaterThan(diff, 1e-2)
    }

    func testLoad_TimmFC1InHWCOrder_ChangesLogits() throws {
        var tensors = WeightFiles.timm(fixture.canonical)
        let a = fixture.architecture
        tensors["pre_logits.fc1.weight"].values = WeightFiles.transposed(
            fixture.canonical.denseLayers[0].parameters.kernel, rows: a.flattenSize, cols: a.fcWidth)
        let diff = try fixture.logitDifference(try load(tensors, as: "timm_hwc.safetensors"))
        print("logit difference with pre_logits.fc1 in H·W·C order \(diff)")
        XCTAssertGreaterThan(diff, 1e-2)
    }

    /// A weights-only file has no graph: its `features` indices must be exactly one torchvision preset's.
    func testLoad_MissingFeature_ThrowsUnsupportedNamingTheFeatures() throws {
        let path = try folder.write(
            "short.safetensors",
            WeightFiles.safetensors(
                WeightFiles.torchvision(fixture.canonical).removing(["features.12.weight", "features.12.bias"])))
        XCTAssertLoadThrows(
            path,
            ModelError.unsupported(
                file: "short.safetensors", layer: "features",
                reason:
                    "its 12 convolutions (features 0, 2, 5, 7, 10, 14…) match none of torchvision's vgg11, vgg13, vgg16, vgg19"
            ))
    }

    func testLoad_MissingClassifierLayer_ThrowsMissingLayer() throws {
        let path = try folder.write(
            "no_fc2.safetensors",
            WeightFiles.safetensors(
                WeightFiles.torchvision(fixture.canonical).removing(["classifier.3.weight", "classifier.3.bias"])))
        XCTAssertLoadThrows(path, .missingLayer(file: "no_fc2.safetensors", layer: "fc2 (classifier.3)"))
    }

    func testLoad_WrongShape_ThrowsWrongShape() throws {
        var tensors = WeightFiles.torchvision(fixture.canonical)
        tensors["features.0.weight"].shape = [2, 3, 9]  // right count, wrong shape
        let path = try folder.write("shape.safetensors", WeightFiles.safetensors(tensors))
        XCTAssertLoadThrows(
            path,
            .wrongShape(
                file: "shape.safetensors", tensor: "block1_conv1 kernel", expected: [2, 3, 3, 3], found: [2, 3, 9]))
    }

    func testLoad_InfiniteValue_ThrowsNonFinite() throws {
        var tensors = WeightFiles.torchvision(fixture.canonical)
        tensors["classifier.3.bias"].values[2] = -.infinity
        let path = try folder.write("inf.safetensors", WeightFiles.safetensors(tensors))
        XCTAssertLoadThrows(path, ModelError.nonFinite(file: "inf.safetensors", tensor: "fc2 bias"))
    }
}
