import ConvEngine
import XCTest

/// Every model of `Tests/Models/` against the numbers Keras, ONNX Runtime or PyTorch computed for it: each hidden
/// layer within 1e-4 of its largest value, probabilities within 1e-4, Grad-CAM within 1e-3. The mutation tests show
/// the comparison catches a transposed kernel, a wrong flatten order, a wrong BatchNorm ε and a wrong channel order.
final class ModelFidelityTests: XCTestCase {
    private func check(
        _ name: String, file key: String = "model_file", expectName: String? = nil, hidden: Int,
        checkNames: Bool = true
    ) throws -> (ModelReference, Model) {
        let ref = try ModelReference(name)
        let model = try ModelLoader.load(path: ref.path(key))
        if let expectName { XCTAssertEqual(model.name, expectName) }
        XCTAssertEqual(model.hiddenLayers.count, hidden)
        XCTAssertEqual(model.input, TensorShape(ref.height, ref.width, 3))
        let e = try ref.measure(Runner(model: model), checkNames: checkNames)
        print(
            "\(name)/\(key): hidden \(e.hidden) (\(e.worstLayer)), probabilities \(e.probabilities), Grad-CAM \(e.cam)")
        XCTAssertTrue(e.shapes)
        XCTAssertLessThanOrEqual(e.hidden, 1e-4)
        XCTAssertLessThanOrEqual(e.probabilities, 1e-4)
        XCTAssertLessThanOrEqual(e.cam, 1e-3)
        return (ref, model)
    }

    func testVGG19KerasFile_MatchesKerasAndIsNeverVGG16() throws {
        let (_, model) = try check("vgg19_keras", expectName: "VGG19", hidden: 21)
        XCTAssertEqual(model.classes, 1000)
        XCTAssertEqual(model.className(761), "remote control")
        XCTAssertEqual(
            model.hiddenLayers.map(\.name).filter { $0.hasPrefix("block5") },
            ["block5_conv1", "block5_conv2", "block5_conv3", "block5_conv4", "block5_pool"])
    }

    func testVGG19Notop_IsAVGG19Backbone() throws {
        let ref = try ModelReference("vgg19_keras")
        let model = try ModelLoader.load(path: ref.path("notop_file"))
        XCTAssertEqual(model.name, "VGG19")
        XCTAssertFalse(model.hasClassifier)
        let e = try ref.measure(Runner(model: model))
        XCTAssertLessThanOrEqual(e.hidden, 1e-4)
    }

    func testVGG11BNSafetensors_MatchesPyTorch() throws {
        let (_, model) = try check("vgg11_bn_torch", expectName: "VGG11_bn", hidden: 13, checkNames: false)
        XCTAssertEqual(model.preprocessing, .torch)
        XCTAssertEqual(model.className(3), "class 3")
    }

    func testCholletConvnetKeras_MatchesKerasWithItsLabels() throws {
        let (_, model) = try check("chollet_convnet", hidden: 9)
        XCTAssertEqual(model.output, .sigmoid)
        XCTAssertEqual(model.classes, 2)
        XCTAssertEqual(model.preprocessing, .none, "Rescaling inside the model")
        XCTAssertEqual([model.className(0), model.className(1)], ["cat", "dog"], "model.labels.txt beside the model")
    }

    func testNestedVGG16FinetunedKeras_MatchesKeras() throws {
        let (_, model) = try check("vgg16_finetuned", hidden: 18)
        XCTAssertEqual(model.preprocessing, .caffe, "a keras.applications VGG16 base")
        XCTAssertEqual(model.className(1), "dandelion")
    }

    func testNestedVGG16FinetunedLegacyH5_MatchesKeras() throws {
        _ = try check("vgg16_finetuned", file: "h5_file", hidden: 18)
    }

    func testNestedVGG16FinetunedONNX_MatchesONNXRuntime() throws {
        let ref = try ModelReference("vgg16_finetuned")
        let model = try ModelLoader.load(path: ref.path("onnx_file"), preprocessing: .caffe)
        XCTAssertEqual(model.hiddenLayers.count, 18)
        let e = try ref.measure(Runner(model: model))
        print(
            "vgg16_finetuned/onnx: hidden \(e.hidden) (\(e.worstLayer)), probabilities \(e.probabilities), Grad-CAM \(e.cam)"
        )
        XCTAssertLessThanOrEqual(e.hidden, 1e-4)
        XCTAssertLessThanOrEqual(e.probabilities, 1e-4)
        XCTAssertLessThanOrEqual(e.cam, 1e-3)
    }

    // MARK: refusals

    func testResNetStyleFiles_AreRefusedNamingTheirBranch() {
        for file in ["resnet_block.onnx", "resnet_block.keras"] {
            let path = ModelReference.root.appendingPathComponent("refuse/\(file)").path
            XCTAssertThrowsError(try ModelLoader.load(path: path)) { error in
                XCTAssertEqual(
                    "\(error)",
                    "\(file): node 'add_1' (Add) joins two branches; ConvScope runs chains of layers such as VGG")
            }
        }
    }

    func testLambdaLayer_IsRefused() {
        let path = ModelReference.root.appendingPathComponent("refuse/lambda.keras").path
        XCTAssertThrowsError(try ModelLoader.load(path: path)) { error in
            XCTAssertTrue("\(error)".contains("'lambda_1' (Lambda): Lambda layers are Python code"), "\(error)")
        }
    }

    func testLabelsOfTheWrongLength_AreRefusedWithBothNumbers() throws {
        let ref = try ModelReference("vgg16_finetuned")
        let labels = ModelReference.root.appendingPathComponent("refuse/bad_labels.txt").path
        XCTAssertThrowsError(try ModelLoader.load(path: ref.path(), labels: labels)) { error in
            XCTAssertEqual("\(error)", "labels refused: bad_labels.txt has 3 labels, the model's head has 5 classes")
        }
    }

    func testVGG19File_RenamedAsVGG16_StillRunsAsVGG19() throws {
        let ref = try ModelReference("vgg19_keras")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let renamed = dir.appendingPathComponent("vgg16_weights_tf_dim_ordering_tf_kernels.h5")
        try FileManager.default.copyItem(atPath: ref.path(), toPath: renamed.path)
        let model = try ModelLoader.load(path: renamed.path)
        XCTAssertEqual(model.name, "VGG19")
        XCTAssertEqual(model.hiddenLayers.count, 21)
    }

    // MARK: mutations the comparison must catch

    func testFidelity_CatchesATransposedKernel() throws {
        let ref = try ModelReference("vgg19_keras")
        let model = try mutate(ModelLoader.load(path: ref.path())) { layer in
            guard layer.name == "block1_conv2", case .conv2D(var c) = layer.kind else { return }
            let k = c.kernel
            let ci = c.inChannels
            let co = c.outChannels  // swap ky and kx
            for ky in 0..<3 {
                for kx in 0..<3 {
                    for i in 0..<(ci * co) { c.kernel[(ky * 3 + kx) * ci * co + i] = k[(kx * 3 + ky) * ci * co + i] }
                }
            }
            layer.kind = .conv2D(c)
        }
        XCTAssertGreaterThan(try ref.measure(Runner(model: model)).hidden, 1e-2)
    }

    func testFidelity_CatchesAWrongFlattenOrder() throws {
        let ref = try ModelReference("vgg19_keras")
        let model = try mutate(ModelLoader.load(path: ref.path())) { layer in
            if case .flatten = layer.kind { layer.kind = .flatten(.chw) }
        }
        XCTAssertGreaterThan(try ref.measure(Runner(model: model)).probabilities, 1e-3)
    }

    func testFidelity_CatchesAWrongBatchNormEpsilon() throws {
        let ref = try ModelReference("vgg11_bn_torch")
        let model = try TorchvisionPreset.load(path: ref.path(), epsilon: 1e-3)
        XCTAssertGreaterThan(try ref.measure(Runner(model: model), checkNames: false).hidden, 1e-3)
    }

    func testFidelity_CatchesAWrongChannelOrder() throws {
        let ref = try ModelReference("vgg19_keras")
        let runner = Runner(model: try ModelLoader.load(path: ref.path()))
        // caffe's mean subtracted in RGB order instead of BGR.
        var rgbFirst = Preprocessing.caffe.apply(rgb: ref.rgb, height: ref.height, width: ref.width)
        for p in 0..<(ref.height * ref.width) {
            for c in 0..<3 { rgbFirst.data[p * 3 + c] = ref.rgb[p * 3 + c] - [103.939, 116.779, 123.68][c] }
        }
        XCTAssertGreaterThan(try ref.measure(runner, input: rgbFirst).hidden, 1e-3)
    }

    private func mutate(_ m: Model, _ change: (inout Layer) -> Void) throws -> Model {
        var layers = m.layers
        for i in layers.indices { change(&layers[i]) }
        if m.output == .softmax, case .dense(var d) = layers[layers.count - 1].kind {
            d.activation = .softmax
            layers[layers.count - 1].kind = .dense(d)
        }
        return try Model(
            name: m.name, format: m.format, sourceName: m.sourceName, input: m.input, preprocessing: m.preprocessing,
            layers: layers)
    }
}
