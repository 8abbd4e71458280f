import ConvEngine
import Foundation
import XCTest

/// `ModelWire` carries a model from the loader's child process to the window: every model of `Tests/Models/` goes
/// through it and still matches its framework's numbers, and writing the copy again gives the same bytes.
final class ModelWireTests: XCTestCase {
    /// Writes `model` into an unlinked temporary file and returns the descriptor and size.
    private func wire(_ model: Model) throws -> (fd: Int32, size: Int) {
        let folder = try TemporaryFolder("wire")
        let path = folder.path("answer")
        let fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0o600)
        XCTAssertGreaterThanOrEqual(fd, 0)
        unlink(path)
        try ModelWire.write(model, to: fd)
        var st = stat()
        fstat(fd, &st)
        return (fd, Int(st.st_size))
    }

    private func bytes(_ fd: Int32, _ size: Int) -> [UInt8] {
        var b = [UInt8](repeating: 0, count: size)
        XCTAssertEqual(pread(fd, &b, size, 0), size)
        return b
    }

    private func roundTrip(_ name: String, key: String = "model_file", checkNames: Bool = true) throws {
        let ref = try ModelReference(name)
        let model = try ModelLoader.load(path: ref.path(key))
        let (fd, size) = try wire(model)
        defer { close(fd) }
        let copy = try ModelWire.read(fd: fd, size: size, file: "answer")
        XCTAssertEqual(copy.name, model.name)
        XCTAssertEqual(copy.format, model.format)
        XCTAssertEqual(copy.output, model.output)
        XCTAssertEqual(copy.preprocessing, model.preprocessing)
        XCTAssertEqual(copy.classes, model.classes)
        XCTAssertEqual(copy.layers.map(\.name), model.layers.map(\.name))
        XCTAssertEqual(copy.layers.map(\.output), model.layers.map(\.output))
        XCTAssertEqual(copy.hiddenLayers.map(\.name), model.hiddenLayers.map(\.name))
        let (again, againSize) = try wire(copy)
        defer { close(again) }
        XCTAssertTrue(bytes(again, againSize) == bytes(fd, size), "the copy writes the same bytes as the original")
        let e = try ref.measure(Runner(model: copy), checkNames: checkNames)
        print(
            "\(name) through ModelWire (\(size) bytes): hidden \(e.hidden), probabilities \(e.probabilities), Grad-CAM \(e.cam)"
        )
        XCTAssertLessThanOrEqual(e.hidden, 1e-4)
        XCTAssertLessThanOrEqual(e.probabilities, 1e-4)
        XCTAssertLessThanOrEqual(e.cam, 1e-3)
    }

    func testModelWire_VGG19KerasRoundTripsAndMatchesKeras() throws { try roundTrip("vgg19_keras") }

    func testModelWire_VGG11BNSafetensorsKeepsItsBatchNormAndFlattenOrder() throws {
        try roundTrip("vgg11_bn_torch", checkNames: false)
    }

    func testModelWire_SigmoidHeadStaysSigmoidWithItsLabels() throws {
        let ref = try ModelReference("chollet_convnet")
        let model = try ModelLoader.load(path: ref.path(), labels: nil)
        let (fd, size) = try wire(model)
        defer { close(fd) }
        let copy = try ModelWire.read(fd: fd, size: size, file: "answer")
        XCTAssertEqual(copy.output, .sigmoid)
        XCTAssertEqual([copy.className(0), copy.className(1)], ["cat", "dog"])
        XCTAssertEqual(copy.preprocessing, .none)
        try roundTrip("chollet_convnet")
    }

    func testModelWire_NestedFinetunedH5RoundTrips() throws { try roundTrip("vgg16_finetuned", key: "h5_file") }

    func testModelWire_CutShortOrGarbageAnswerIsRefused() throws {
        let model = try ModelLoader.load(path: ModelReference("vgg19_keras").path())
        let (fd, size) = try wire(model)
        defer { close(fd) }
        for cut in [0, 12, 100, size / 2, size - 4] {
            XCTAssertThrowsError(try ModelWire.read(fd: fd, size: cut, file: "answer"), "cut at \(cut)") { error in
                XCTAssertTrue("\(error)".contains("answer"), "\(error)")
            }
        }
        var garbage = bytes(fd, size)
        garbage.replaceSubrange(0..<8, with: Array("NOTMODEL".utf8))
        XCTAssertEqual(pwrite(fd, garbage, 8, 0), 8)
        XCTAssertThrowsError(try ModelWire.read(fd: fd, size: size, file: "answer"))
    }
}
