import ConvEngine
import XCTest

/// Keras 1/2 legacy HDF5 (`vgg16_weights_tf_dim_ordering_tf_kernels.h5` and `_notop`), written by libhdf5 here.
final class KerasH5LoaderTests: XCTestCase {
    private let fixture = LoaderFixture(seed: 81)
    private var folder: TemporaryFolder!

    override func setUpWithError() throws { folder = try TemporaryFolder("kerash5") }
    override func tearDown() { folder = nil }

    func testLoad_LegacyFile_GivesCanonicalTensorsFormatAndPreprocessing() throws {
        let path = folder.path("vgg16_weights_tf_dim_ordering_tf_kernels.h5")
        WeightFiles.writeKerasLegacy(WeightFiles.kerasLegacy(fixture.canonical), to: path)
        XCTAssertEqual(try ModelLoader.detect(path: path), .kerasWeights)
        let w = try ModelLoader.load(path: path)
        fixture.assertSameTensors(w)
        XCTAssertEqual(w.output, .softmax)
        XCTAssertEqual(w.format, "Keras HDF5")
        XCTAssertEqual(w.preprocessing, .caffe)
        XCTAssertEqual(w.sourceName, "vgg16_weights_tf_dim_ordering_tf_kernels.h5")
        XCTAssertEqual(try fixture.logitDifference(w), 0)
    }

    func testLoad_LegacyFileUnderModelWeights_GivesCanonicalTensors() throws {
        let path = folder.path("full_model.h5")
        let tensors = WeightFiles.kerasLegacy(fixture.canonical).map {
            Tensor(name: "model_weights/" + $0.name, shape: $0.shape, values: $0.values)
        }
        WeightFiles.writeKerasLegacy(tensors, to: path)
        fixture.assertSameTensors(try ModelLoader.load(path: path))
    }

    func testLoad_NotopFile_HasNoClassifier() throws {
        let backbone = LoaderFixture(seed: 82, classifier: false)
        let path = folder.path("vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5")
        WeightFiles.writeKerasLegacy(WeightFiles.kerasLegacy(backbone.canonical), to: path)
        let w = try ModelLoader.load(path: path)
        XCTAssertFalse(w.hasClassifier)
        backbone.assertSameTensors(w)
        XCTAssertEqual(try backbone.activationDifference(w, layer: "block5_pool"), 0)
    }

    /// A square kernel (block4_conv2, 4→4) written HWOI has the right shape; only the activations can tell.
    func testLoad_KernelWithInputAndOutputAxesSwapped_ChangesActivations() throws {
        let path = folder.path("swapped.h5")
        var tensors = WeightFiles.kerasLegacy(fixture.canonical)
        let name = "block4_conv2/block4_conv2_W_1:0"
        tensors[name].values = WeightFiles.hwoi(tensors[name].values, inChannels: 4, outChannels: 4)
        WeightFiles.writeKerasLegacy(tensors, to: path)
        let w = try ModelLoader.load(path: path)
        XCTAssertEqual(try fixture.activationDifference(w, layer: "block4_conv1"), 0)
        let diff = try fixture.activationDifference(w, layer: "block4_conv2")
        print("block4_conv2 activation difference with a swapped kernel \(diff)")
        XCTAssertGreaterThan(diff, 1e-2)
    }

    func testLoad_FC1RowsInCHWOrder_ChangesLogits() throws {
        let path = folder.path("chw.h5")
        var tensors = WeightFiles.kerasLegacy(fixture.canonical)
        tensors["fc1/fc1_W_1:0"].values = WeightFiles.kerasFC1InCHWOrder(
            tensors["fc1/fc1_W_1:0"].values, fixture.architecture)
        WeightFiles.writeKerasLegacy(tensors, to: path)
        let w = try ModelLoader.load(path: path)
        let diff = try fixture.logitDifference(w)
        print("logit difference with fc1 in C·H·W order \(diff)")
        XCTAssertGreaterThan(diff, 1e-2)
    }

    func testLoad_MissingConvolution_ThrowsMissingLayer() throws {
        let path = folder.path("no_block3_conv2.h5")
        WeightFiles.writeKerasLegacy(
            WeightFiles.kerasLegacy(fixture.canonical)
                .removing(["block3_conv2/block3_conv2_W_1:0", "block3_conv2/block3_conv2_b_1:0"]), to: path)
        XCTAssertLoadThrows(path, .missingLayer(file: "no_block3_conv2.h5", layer: "block3_conv2"))
    }

    func testLoad_MissingFC2_ThrowsMissingLayerFC2() throws {
        let path = folder.path("no_fc2.h5")
        WeightFiles.writeKerasLegacy(
            WeightFiles.kerasLegacy(fixture.canonical).removing(["fc2/fc2_W_1:0", "fc2/fc2_b_1:0"]), to: path)
        XCTAssertLoadThrows(path, .missingLayer(file: "no_fc2.h5", layer: "fc2"))
    }

    /// fc2 and predictions present, fc1 absent: the missing layer is fc1.
    func testLoad_MissingFC1_ThrowsMissingLayerFC1() throws {
        let path = folder.path("no_fc1.h5")
        WeightFiles.writeKerasLegacy(
            WeightFiles.kerasLegacy(fixture.canonical).removing(["fc1/fc1_W_1:0", "fc1/fc1_b_1:0"]), to: path)
        XCTAssertLoadThrows(path, .missingLayer(file: "no_fc1.h5", layer: "fc1"))
    }

    func testLoad_WeightNamesListingOneWeight_ThrowsMalformed() throws {
        let path = folder.path("one_name.h5")
        WeightFiles.writeKerasLegacy(
            WeightFiles.kerasLegacy(fixture.canonical).removing(["block2_conv1/block2_conv1_b_1:0"]), to: path)
        XCTAssertLoadThrows(
            path,
            WeightsError.malformed(
                file: "one_name.h5", detail: "layer block2_conv1 does not list two weights in weight_names"))
    }
}
