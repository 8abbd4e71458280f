import ConvEngine
import XCTest

/// `Runner.channelGradientSums` (Grad-CAM's per-channel gradient sums from fc1's kernel rows summed by channel)
/// against the full backward pass summed over positions, on a tiny VGG16 whose last pool is 7×7×5, so fc1's
/// 245 inputs come from five channels in the flatten's order.
final class ChannelGradientSumsTests: XCTestCase {
    private func summedBackward(_ r: Runner, _ seed: [Float], _ a: Activations, to target: Int) -> [Float] {
        let g = r.backward(seed, from: r.layers.count - 1, to: target, activations: a)
        let ch = r.layers[target].output.channels
        var sums = [Float](repeating: 0, count: ch)
        for (i, v) in g.enumerated() { sums[i % ch] += v }
        return sums
    }

    private func check(_ model: Model, _ label: String) throws {
        let r = Runner(model: model)
        let a = try r.forward(TinyNetwork.randomInput(TinyNetwork.loaderArchitecture, seed: 5))
        let c = try r.classify(a)
        var checked = 0
        var worst: Float = 0
        for name in ["block5_conv3", "block5_pool"] {
            let target = try model.hiddenLayer(name).last
            for score in CAMScore.allCases {
                for k in 0..<model.classes {
                    let seed = c.scoreGradient(k, score)
                    let fast = try XCTUnwrap(
                        r.channelGradientSums(seed, from: r.layers.count - 1, to: target, activations: a))
                    let full = summedBackward(r, seed, a, to: target)
                    let scale = max(full.map(abs).max()!, 1e-12)
                    let error = zip(fast, full).map { abs($0 - $1) }.max()! / scale
                    worst = max(worst, error)
                    XCTAssertLessThan(error, 1e-5, "\(label) \(name) \(score) class \(k)")
                    if full.map(abs).max()! > 1e-6 { checked += 1 }
                }
            }
        }
        print("channel gradient sums (\(label)): max error \(worst) of the largest sum, \(checked) non-zero cases")
        XCTAssertGreaterThan(checked, 2 * model.classes, "most cases must have gradients to compare")
    }

    func testChannelGradientSums_KerasFlatten_MatchSummedBackward() throws {
        try check(TinyNetwork.randomModel(TinyNetwork.loaderArchitecture, seed: 31), "H·W·C flatten")
    }

    func testChannelGradientSums_TorchFlatten_MatchSummedBackward() throws {
        let model = try TinyNetwork.editing(TinyNetwork.randomModel(TinyNetwork.loaderArchitecture, seed: 31)) {
            layers in
            let f = layers.firstIndex { if case .flatten = $0.kind { true } else { false } }!
            layers[f].kind = .flatten(.chw)
        }
        try check(model, "C·H·W flatten")
    }

    /// An average pool (Pool2D's backward: shares of 1/count) and a dropout between the last convolution and fc1.
    func testChannelGradientSums_AveragePoolAndDropout_MatchSummedBackward() throws {
        let model = try TinyNetwork.editing(TinyNetwork.randomModel(TinyNetwork.loaderArchitecture, seed: 31)) {
            layers in
            let p = layers.firstIndex { $0.name == "block5_pool" }!
            guard case .maxPool(let params) = layers[p].kind else { return XCTFail("block5_pool is a max-pool") }
            layers[p].kind = .averagePool(params)
            let f = layers.firstIndex { if case .flatten = $0.kind { true } else { false } }!
            layers.insert(Layer("dropout", .dropout), at: f + 1)
        }
        try check(model, "average pool, dropout")
    }

    func testChannelGradientSums_AConvolutionAbove_GiveNil() throws {
        let model = TinyNetwork.randomModel(TinyNetwork.loaderArchitecture, seed: 33)
        let r = Runner(model: model)
        let a = try r.forward(TinyNetwork.randomInput(TinyNetwork.loaderArchitecture, seed: 6))
        let seed = try r.classify(a).scoreGradient(0, .logit)
        for name in ["block5_conv2", "block4_pool", "block1_conv1"] {
            let target = try model.hiddenLayer(name).last
            XCTAssertNil(r.channelGradientSums(seed, from: r.layers.count - 1, to: target, activations: a), name)
        }
    }

    /// Grad-CAM at the last convolution (which takes the sums) gives the map of the summed full backward pass, by
    /// both of its entry points.
    func testGradCAM_LastConvolution_EqualsFullBackwardMap() throws {
        let model = TinyNetwork.randomModel(TinyNetwork.loaderArchitecture, seed: 34)
        let r = Runner(model: model)
        let a = try r.forward(TinyNetwork.randomInput(TinyNetwork.loaderArchitecture, seed: 7))
        let c = try r.classify(a)
        let info = try model.hiddenLayer("block5_conv3")
        var nonEmpty = 0
        for k in 0..<model.classes {
            let alpha = summedBackward(r, c.scoreGradient(k, .logit), a, to: info.last)
                .map { $0 / Float(info.height * info.width) }
            let act = a.outputs[info.last].data
            let raw = (0..<info.height * info.width).map { p in
                max((0..<info.channels).reduce(Float(0)) { $0 + alpha[$1] * act[p * info.channels + $1] }, 0)
            }
            guard let top = raw.max(), top > 0 else { continue }
            nonEmpty += 1
            let expected = raw.map { Double($0 / top) }
            let viaGradCAM = try r.gradCAM(a, classification: c, layer: "block5_conv3", classIndex: k)
            XCTAssertEqual(viaGradCAM.map.map(Double.init), expected, accuracy: 1e-5)
            let viaMethod = try r.classActivationMap(
                GradCAMMethod(), a, classification: c, layer: "block5_conv3", classIndex: k)
            // pytorch-grad-cam's normalisation: (m − min) / (1e-7 + max of that).
            XCTAssertEqual(viaMethod.map.map(Double.init), CAMMethods.normalised(raw).map(Double.init), accuracy: 1e-5)
        }
        XCTAssertGreaterThan(nonEmpty, 2)
    }
}
