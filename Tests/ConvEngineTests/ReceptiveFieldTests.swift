import XCTest

@testable import ConvEngine

final class ReceptiveFieldTests: XCTestCase {
    /// VGG16's geometry at 224×224 (the tiny VGG16 has its layers, only narrower), by hand: a 3×3 convolution adds
    /// 2 × jump to the field, a 2×2 pool adds 1 × jump and doubles the jump; padding 1 per convolution.
    func testReceptiveField_VGG16MatchesHandComputation() {
        let model = TinyNetwork.randomModel(TinyNetwork.loaderArchitecture, seed: 1, classifier: false)
        let sizes = [3, 5, 6, 10, 14, 16, 24, 32, 40, 44, 60, 76, 92, 100, 132, 164, 196, 212]
        let jumps = [1, 1, 2, 2, 2, 4, 4, 4, 4, 8, 8, 8, 8, 16, 16, 16, 16, 32]
        let offsets = [1, 2, 2, 4, 6, 6, 10, 14, 18, 18, 26, 34, 42, 42, 58, 74, 90, 90]
        XCTAssertEqual(model.hiddenLayers.count, 18)
        for (i, info) in model.hiddenLayers.enumerated() {
            let f = ReceptiveField(model: model, through: info.last)
            XCTAssertEqual(f.vertical, .init(size: sizes[i], jump: jumps[i], offset: offsets[i]), info.name)
            XCTAssertEqual(f.horizontal, f.vertical, info.name)
        }
        let conv53 = ReceptiveField(model: model, through: model.hiddenLayers[16].last)
        XCTAssertEqual(model.hiddenLayers[16].name, "block5_conv3")
        // Position 0 sees input pixels −90…105, clipped to 0…105; position 13 sees 118…313, clipped to 118…223.
        XCTAssertEqual(conv53.box(y: 0, x: 0), PixelBox(x: 0, y: 0, width: 106, height: 106))
        XCTAssertEqual(conv53.box(y: 13, x: 13), PixelBox(x: 118, y: 118, width: 106, height: 106))
        // Inside: row 6 sees 6…201 (196 pixels), column 7 sees 22…217.
        XCTAssertEqual(conv53.box(y: 6, x: 7), PixelBox(x: 22, y: 6, width: 196, height: 196))
        let conv11 = ReceptiveField(model: model, through: model.hiddenLayers[0].last)
        XCTAssertEqual(conv11.box(y: 0, x: 5), PixelBox(x: 4, y: 0, width: 3, height: 2))
    }

    /// Strides, 'valid' and 'same' padding, rectangular kernels and zero padding, checked two ways: by hand for a few
    /// positions, and against the input pixels that reach each output position in the network itself (a linear
    /// network with positive weights: the gradient of an output is non-zero exactly on its field).
    func testReceptiveField_IsWhereTheGradientReaches() throws {
        let model = try Self.oddModel()
        let runner = Runner(model: model)
        var rng = SeededRandom(seed: 7)
        let input = FeatureMap(height: 23, width: 19, channels: 1, data: rng.floats(23 * 19, 0.5, 1))
        let a = try runner.forward(input)
        // By hand. Padding (top 2, left 1): size 1, jump 1, offset 2 / 1. Conv 5×3 stride (2, 1), valid: size 5 / 3,
        // jump 2 / 1. Avg pool 3×2 stride 2 'same' on 11×21 (pads top 1 / left 0): size 5 + 2·2 = 9 / 3 + 1 = 4,
        // jump 4 / 2, offset 2 + 1·2 = 4 / 1. Conv 3×3 same: size 9 + 2·4 = 17 / 4 + 2·2 = 8,
        // offset 4 + 4 = 8 / 1 + 2 = 3.
        let field = ReceptiveField(model: model, through: 3)
        XCTAssertEqual(field.vertical, .init(size: 17, jump: 4, offset: 8))
        XCTAssertEqual(field.horizontal, .init(size: 8, jump: 2, offset: 3))
        XCTAssertEqual(field.box(y: 3, x: 4), PixelBox(x: 5, y: 4, width: 8, height: 17))
        let out = model.layers[3].output
        for y in 0..<out.height {
            for x in 0..<out.width {
                var g = [Float](repeating: 0, count: out.count)
                g[(y * out.width + x) * out.channels] = 1
                let dx = runner.backward(g, from: 3, to: -1, activations: a)
                var reached: (minY: Int, maxY: Int, minX: Int, maxX: Int) = (.max, .min, .max, .min)
                for iy in 0..<23 {
                    for ix in 0..<19 where dx[iy * 19 + ix] != 0 {
                        reached = (
                            min(reached.minY, iy), max(reached.maxY, iy),
                            min(reached.minX, ix), max(reached.maxX, ix)
                        )
                    }
                }
                let box = field.box(y: y, x: x)
                XCTAssertEqual(
                    PixelBox(
                        x: reached.minX, y: reached.minY, width: reached.maxX - reached.minX + 1,
                        height: reached.maxY - reached.minY + 1), box, "position (\(y), \(x))")
            }
        }
    }

    /// ZeroPadding(top 2, left 1, bottom 0, right 3) → Conv 5×3 stride (2,1) valid → AvgPool 3×2 stride 2 same →
    /// Conv 3×3 same; linear, positive weights; input 23×19×1.
    static func oddModel() throws -> Model {
        var rng = SeededRandom(seed: 3)
        func conv(
            _ kh: Int, _ kw: Int, _ cin: Int, _ cout: Int, _ strides: (Int, Int), _ padding: Padding
        )
            -> LayerKind
        {
            .conv2D(
                Conv2DParameters(
                    kernel: rng.floats(kh * kw * cin * cout, 0.1, 1),
                    bias: [Float](repeating: 0, count: cout),
                    kernelHeight: kh, kernelWidth: kw, inChannels: cin, outChannels: cout,
                    strides: strides, padding: padding, activation: .linear))
        }
        let layers = [
            Layer("pad", .zeroPadding(.explicit(top: 2, left: 1, bottom: 0, right: 3))),
            Layer("conv_a", conv(5, 3, 1, 2, (2, 1), .valid)),
            Layer("pool", .averagePool(PoolParameters(size: (3, 2), strides: (2, 2), padding: .same))),
            Layer("conv_b", conv(3, 3, 2, 2, (1, 1), .same)),
        ]
        return try Model(
            name: "odd", format: "test", sourceName: "odd", input: TensorShape(23, 19, 1),
            preprocessing: .none, layers: layers)
    }

    /// Squashed: input boxes scale to the photo; cropped: they also shift by the crop's corner.
    func testInputView_MapsInputPixelsToThePhoto() {
        let squash = InputView(imageWidth: 640, imageHeight: 480, inputWidth: 224, inputHeight: 224, crop: false)
        XCTAssertEqual(squash.region, PixelBox(x: 0, y: 0, width: 640, height: 480))
        // x 0…105 → 0 … 106·640/224 = 302.86 → 303 px; y the same rows → 106·480/224 = 227.1 → 228 px.
        XCTAssertEqual(
            squash.original(PixelBox(x: 0, y: 0, width: 106, height: 106)),
            PixelBox(x: 0, y: 0, width: 303, height: 228))
        // x 118…223: 118·640/224 = 337.1 → 337 … 640.
        XCTAssertEqual(
            squash.original(PixelBox(x: 118, y: 118, width: 106, height: 106)),
            PixelBox(x: 337, y: 252, width: 303, height: 228))
        let crop = InputView(imageWidth: 640, imageHeight: 480, inputWidth: 224, inputHeight: 224, crop: true)
        XCTAssertEqual(crop.region, PixelBox(x: 80, y: 0, width: 480, height: 480))
        // 3 input pixels from x 10: 10·480/224 = 21.4 → 21 … 13·480/224 = 27.9 → 28, shifted by 80.
        XCTAssertEqual(
            crop.original(PixelBox(x: 10, y: 0, width: 3, height: 3)),
            PixelBox(x: 101, y: 0, width: 7, height: 7))
        let wide = InputView(imageWidth: 300, imageHeight: 500, inputWidth: 160, inputHeight: 128, crop: true)
        XCTAssertEqual(wide.region, PixelBox(x: 0, y: 130, width: 300, height: 240))
        // Growing a small photo: one input pixel is part of a photo pixel, and still covers one.
        let small = InputView(imageWidth: 50, imageHeight: 50, inputWidth: 224, inputHeight: 224, crop: false)
        XCTAssertEqual(
            small.original(PixelBox(x: 223, y: 100, width: 1, height: 1)),
            PixelBox(x: 49, y: 22, width: 1, height: 1))
    }
}
