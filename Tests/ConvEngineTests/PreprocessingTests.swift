import ConvEngine
import XCTest

final class PreprocessingTests: XCTestCase {
    /// Two pixels, RGB (10, 20, 30) and (255, 0, 128).
    private let rgb: [UInt8] = [10, 20, 30, 255, 0, 128]

    func testCaffe_ReversesChannelsAndSubtractsImageNetMean() {
        let x = Preprocessing.caffe.apply(rgb: rgb, height: 1, width: 2)
        XCTAssertEqual(x.shape, [1, 2, 3])
        let expected: [Float] = [
            30 - 103.939, 20 - 116.779, 10 - 123.68,
            128 - 103.939, 0 - 116.779, 255 - 123.68,
        ]
        XCTAssertEqual(x.data.map(Double.init), expected.map(Double.init), accuracy: 1e-4)
    }

    func testTorch_ScalesToUnitAndNormalisesPerChannel() {
        let x = Preprocessing.torch.apply(rgb: rgb, height: 2, width: 1)
        XCTAssertEqual(x.shape, [2, 1, 3])
        let mean = [0.485, 0.456, 0.406]
        let std = [0.229, 0.224, 0.225]
        let expected = rgb.enumerated().map { (Double($0.element) / 255 - mean[$0.offset % 3]) / std[$0.offset % 3] }
        XCTAssertEqual(x.data.map(Double.init), expected, accuracy: 1e-5)
        XCTAssertEqual(Double(x.data[3]), (1 - 0.485) / 0.229, accuracy: 1e-5)  // pure red 255 in the R channel
    }

    func testTfAndUnitAndNone_ScaleRGBWithoutReordering() {
        let r = rgb.map(Double.init)
        XCTAssertEqual(
            Preprocessing.tf.apply(rgb: rgb, height: 1, width: 2).data.map(Double.init), r.map { $0 / 127.5 - 1 },
            accuracy: 1e-6)
        XCTAssertEqual(
            Preprocessing.unit.apply(rgb: rgb, height: 1, width: 2).data.map(Double.init), r.map { $0 / 255 },
            accuracy: 1e-6)
        XCTAssertEqual(Preprocessing.none.apply(rgb: rgb, height: 1, width: 2).data.map(Double.init), r, accuracy: 0)
    }

    func testDeprocess_InvertsApplyForEveryConvention() {
        XCTAssertEqual(Preprocessing.allCases, [.caffe, .torch, .tf, .unit, .none])
        for p in Preprocessing.allCases {
            let back = p.deprocess(p.apply(rgb: rgb, height: 1, width: 2))
            XCTAssertEqual(back.map(Double.init), rgb.map(Double.init), accuracy: 1e-3)
        }
    }
}
