import ConvEngine
import Foundation
import XCTest

@testable import WeightsStore

final class WeightsDiscoveryTests: XCTestCase {
    private var tmp: TemporaryFolder!
    private var home: String { tmp.path + "/home" }
    private var repo: String { tmp.path + "/repo/Weights" }
    private var data: String { home + "/.local/share/convscope/weights" }
    private var keras: String { home + "/.keras/models/vgg16_weights_tf_dim_ordering_tf_kernels.h5" }
    private var kerasNotop: String { home + "/.keras/models/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5" }
    private var hf: String {
        home + "/.cache/huggingface/hub/models--timm--vgg16.tv_in1k/snapshots/abc123/model.safetensors"
    }

    override func setUp() {
        tmp = TemporaryFolder()
        tmp.folder("home")
        tmp.folder("repo/Weights")
    }

    override func tearDown() { tmp = nil }

    private func discovery(explicit: String? = nil, env: [String: String] = [:]) -> WeightsDiscovery {
        WeightsDiscovery(explicit: explicit, environment: env, home: home, repoWeightsFolder: repo)
    }

    func testSearch_EmptyHomeListsEveryPlaceInOrderAndChoosesNothing() {
        let places = discovery().search()
        XCTAssertEqual(
            places.map(\.name),
            [
                "--weights", "$CONVSCOPE_WEIGHTS", "repo Weights/", "data folder",
                "Keras cache", "Keras cache", "Keras cache", "Keras cache", "Hugging Face cache",
            ])
        XCTAssertEqual(
            places.map(\.finding),
            [.notGiven, .notGiven, .nothing, .nothing, .nothing, .nothing, .nothing, .nothing, .nothing])
        XCTAssertEqual(places[3].path, data)
        XCTAssertEqual(places[4].path, keras)
        XCTAssertEqual(places[5].path, kerasNotop)
        XCTAssertEqual(places[6].path, home + "/.keras/models/vgg19_weights_tf_dim_ordering_tf_kernels.h5")
        XCTAssertEqual(places[7].path, home + "/.keras/models/vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5")
        XCTAssertNil(discovery().best())
    }

    func testBest_FirstPlaceInOrderWinsAmongBackbones() {
        SafetensorsFixture.write(repo + "/b.safetensors", classifier: .none)
        SafetensorsFixture.write(data + "/b.safetensors", classifier: .none)
        SafetensorsFixture.write(kerasNotop, classifier: .none)
        XCTAssertEqual(discovery().best()?.place, "repo Weights/")
        try! FileManager.default.removeItem(atPath: repo + "/b.safetensors")
        XCTAssertEqual(discovery().best()?.place, "data folder")
        try! FileManager.default.removeItem(atPath: data + "/b.safetensors")
        let best = discovery().best()
        XCTAssertEqual(best?.place, "Keras cache")
        XCTAssertEqual(best?.path, kerasNotop)
        XCTAssertEqual(best?.kind, .backbone)
        XCTAssertEqual(
            best?.format,
            "VGG16 · 18 hidden layers · no classifier (backbone) · input 224×224 · safetensors (torchvision) · preprocessing torch"
        )
    }

    func testBest_FullFileBeatsBackboneFoundEarlier() {
        SafetensorsFixture.write(repo + "/hed.safetensors", classifier: .none)
        SafetensorsFixture.write(hf, classifier: .timm)
        let best = discovery().best()
        XCTAssertEqual(best?.place, "Hugging Face cache")
        XCTAssertEqual(best?.path, hf)
        XCTAssertEqual(best?.kind, .full)
    }

    func testBest_FullBeatsBackboneInTheSameFolder() {
        SafetensorsFixture.write(data + "/a_backbone.safetensors", classifier: .none)
        SafetensorsFixture.write(data + "/b_full.safetensors", classifier: .torchvision)
        XCTAssertEqual(discovery().best()?.path, data + "/b_full.safetensors")
    }

    func testBest_KerasFullFileBeforeNotop() {
        SafetensorsFixture.write(kerasNotop, classifier: .none)
        SafetensorsFixture.write(keras, classifier: .torchvision)
        XCTAssertEqual(discovery().best()?.path, keras)
    }

    func testBest_WeightsOptionWinsOverEnvironmentAndOverFullFiles() {
        let given = SafetensorsFixture.write(tmp.path + "/given.safetensors", classifier: .none)
        let env = SafetensorsFixture.write(tmp.path + "/env.safetensors", classifier: .torchvision)
        SafetensorsFixture.write(data + "/full.safetensors", classifier: .torchvision)
        let best = discovery(explicit: given, env: ["CONVSCOPE_WEIGHTS": env]).best()
        XCTAssertEqual(best?.place, "--weights")
        XCTAssertEqual(best?.kind, .backbone)
        XCTAssertEqual(discovery(env: ["CONVSCOPE_WEIGHTS": env]).best()?.place, "$CONVSCOPE_WEIGHTS")
    }

    /// Every probe loads a model (up to half a gigabyte): `best()` stops once the answer is settled, `search()` not.
    func testBest_ProbesOnlyAsFarAsTheChoiceNeeds() {
        let given = SafetensorsFixture.write(tmp.path + "/given.safetensors", classifier: .none)
        let env = SafetensorsFixture.write(tmp.path + "/env.safetensors", classifier: .torchvision)
        SafetensorsFixture.write(repo + "/a_backbone.safetensors", classifier: .none)
        SafetensorsFixture.write(data + "/b_full.safetensors", classifier: .torchvision)
        SafetensorsFixture.write(data + "/c_full.safetensors", classifier: .torchvision)
        SafetensorsFixture.write(keras, classifier: .torchvision)
        var probed: [String] = []
        func counting(explicit: String?, env: [String: String]) -> WeightsDiscovery {
            WeightsDiscovery(explicit: explicit, environment: env, home: home, repoWeightsFolder: repo) { path in
                probed.append((path as NSString).lastPathComponent)
                return WeightsProbe.classify(path: path)
            }
        }
        XCTAssertEqual(counting(explicit: given, env: ["CONVSCOPE_WEIGHTS": env]).best()?.path, given)
        XCTAssertEqual(probed, ["given.safetensors"])
        probed = []
        XCTAssertEqual(counting(explicit: nil, env: [:]).best()?.path, data + "/b_full.safetensors")
        XCTAssertEqual(probed, ["a_backbone.safetensors", "b_full.safetensors"])
        probed = []
        XCTAssertEqual(counting(explicit: nil, env: [:]).search().count, 10)
        XCTAssertEqual(probed.count, 4, "search probes every file: \(probed)")
    }

    func testBest_WeightsOptionNamingAMissingFileChoosesNothingAndSaysWhy() {
        SafetensorsFixture.write(data + "/full.safetensors", classifier: .torchvision)
        let d = discovery(explicit: tmp.path + "/nope.h5")
        guard case .rejected(let why) = d.search()[0].finding else { return XCTFail("\(d.search()[0])") }
        XCTAssertTrue(why.contains("no such file"), why)
        XCTAssertNil(d.best())
    }

    func testSearch_NonWeightsFileIsSkippedWithReason() {
        tmp.write("home/.local/share/convscope/weights/notes.h5", Data("just some text\n".utf8))
        SafetensorsFixture.write(kerasNotop, classifier: .none)
        let places = discovery().search()
        let skipped = places.first { $0.path.hasSuffix("notes.h5") }
        guard case .rejected(let why)? = skipped?.finding else { return XCTFail("\(String(describing: skipped))") }
        XCTAssertTrue(why.contains("notes.h5: not a model file ConvScope knows"), why)
        XCTAssertEqual(discovery().best()?.path, kerasNotop)
    }

    func testSearch_IncompleteClassifierIsSkippedNamingTheMissingLayer() {
        SafetensorsFixture.write(data + "/half.safetensors", classifier: .partial)
        let place = discovery().search().first { $0.path.hasSuffix("half.safetensors") }
        guard case .rejected(let why)? = place?.finding else { return XCTFail("\(String(describing: place))") }
        XCTAssertTrue(why.contains("fc2"), why)
        XCTAssertNil(discovery().best())
    }

    func testSearch_WrongShapeIsSkipped() {
        SafetensorsFixture.write(data + "/odd.safetensors", classifier: .none, wrongShape: "features.5.weight")
        let place = discovery().search().first { $0.path.hasSuffix("odd.safetensors") }
        guard case .rejected(let why)? = place?.finding else { return XCTFail("\(String(describing: place))") }
        XCTAssertTrue(why.contains("block2_conv1"), why)
    }

    func testSearch_TruncatedSafetensorsIsSkipped() {
        let p = SafetensorsFixture.write(data + "/cut.safetensors", classifier: .none)
        let fh = FileHandle(forWritingAtPath: p)!
        try! fh.truncate(atOffset: 100_000)
        try! fh.close()
        guard case .rejected(let why) = WeightsProbe.classify(path: p) else { return XCTFail() }
        XCTAssertTrue(why.contains("truncated"), why)
    }

    func testSearch_PartialDownloadsAndChecksumFilesAreIgnored() {
        tmp.write("home/.local/share/convscope/weights/vgg16.h5.part", Data("partial".utf8))
        tmp.write("home/.local/share/convscope/weights/vgg16.h5.sha256", Data("abc  vgg16.h5\n".utf8))
        let places = discovery().search().filter { $0.name == "data folder" }
        XCTAssertEqual(places, [WeightsDiscovery.Place(name: "data folder", path: data, finding: .nothing)])
    }

    func testDataFolder_FollowsXDGDataHome() {
        let xdg = tmp.folder("xdg")
        SafetensorsFixture.write(xdg + "/convscope/weights/w.safetensors", classifier: .none)
        let d = discovery(env: ["XDG_DATA_HOME": xdg])
        XCTAssertEqual(d.dataFolder, xdg + "/convscope/weights")
        XCTAssertEqual(d.best()?.place, "data folder")
        XCTAssertEqual(WeightsDiscovery.dataFolder(environment: [:], home: "/h"), "/h/.local/share/convscope/weights")
    }

    func testProbe_ClassifiesTorchvisionAndTimmClassifiersAsFull() {
        let a = SafetensorsFixture.write(tmp.path + "/tv.safetensors", classifier: .torchvision)
        let b = SafetensorsFixture.write(tmp.path + "/timm.safetensors", classifier: .timm)
        XCTAssertEqual(
            WeightsProbe.classify(path: a),
            .found(
                .full,
                "VGG16 · 18 hidden layers · 1000 classes · input 224×224 · safetensors (torchvision) · preprocessing torch"
            ))
        XCTAssertEqual(
            WeightsProbe.classify(path: b),
            .found(
                .full,
                "VGG16 · 18 hidden layers · 1000 classes · input 224×224 · safetensors (timm) · preprocessing torch"))
    }
}
