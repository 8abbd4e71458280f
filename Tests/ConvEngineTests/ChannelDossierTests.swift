import ConvEngine
import Foundation
import XCTest

/// The channel dossier's numbers: guided backprop from one channel against Captum 0.9 on the torchvision-layout
/// VGG11-BN (Tests/Explanations/channel_attributions.npy, from make_channel_references.py), and each channel's
/// contribution to a class's Grad-CAM.
final class ChannelDossierTests: XCTestCase {
    private static let folder = ModelReference.root.deletingLastPathComponent().appendingPathComponent("Explanations")

    private func forward() throws -> (Runner, Activations) {
        let ref = try ModelReference("vgg11_bn_torch")
        let runner = Runner(model: try ModelLoader.load(path: ref.path()))
        let a = try runner.forward(runner.model.preprocessing.apply(rgb: ref.rgb, height: ref.height, width: ref.width))
        return (runner, a)
    }

    func testChannelGuidedBackprop_MatchesCaptum() throws {
        let meta = try XCTUnwrap(
            JSONSerialization.jsonObject(
                with: Data(contentsOf: Self.folder.appendingPathComponent("channel_attributions.json")))
                as? [String: Any])
        let cases = try XCTUnwrap(meta["cases"] as? [[String: Any]])
        let size = 224 * 224 * 3
        let all = try ModelReference.readNPY(
            Self.folder.appendingPathComponent("channel_attributions.npy"), count: cases.count * size)
        let (runner, a) = try forward()
        for (i, c) in cases.enumerated() {
            let hidden = try XCTUnwrap(c["hidden_layer"] as? Int)
            let channel = try XCTUnwrap(c["channel"] as? Int)
            let layer = runner.model.hiddenLayers[hidden]
            let sum = a.outputs[layer.last].data[channel...].enumerated().reduce(Float(0)) {
                $1.offset % layer.channels == 0 ? $0 + $1.element : $0
            }
            XCTAssertEqual(
                Double(sum), try XCTUnwrap(c["sum"] as? Double), accuracy: 1e-3 * abs(Double(sum)),
                "the summed activation of \(layer.name) channel \(channel)")
            let reference = Array(all[i * size..<(i + 1) * size])
            let ours = try runner.channelGuidedBackprop(a, layer: layer.name, channel: channel)
            let scale = reference.map(abs).max() ?? 1
            let error = zip(ours, reference).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) } / scale
            print("\(layer.name) channel \(channel): guided backprop max difference from Captum \(error) of \(scale)")
            XCTAssertGreaterThan(scale, 0)
            XCTAssertLessThanOrEqual(error, 1e-3, "\(layer.name) channel \(channel)")
        }
    }

    func testChannelGuidedBackprop_DiffersBetweenChannels() throws {
        let (runner, a) = try forward()
        let layer = runner.model.hiddenLayers[11]
        let one = try runner.channelGuidedBackprop(a, layer: layer.name, channel: 41)
        let other = try runner.channelGuidedBackprop(a, layer: layer.name, channel: 40)
        let scale = one.map(abs).max() ?? 0
        let apart = zip(one, other).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) }
        XCTAssertGreaterThan(apart, 0.1 * scale, "two channels' attributions should not coincide")
    }

    func testChannelGuidedBackprop_RefusesAChannelOutOfRange() throws {
        let (runner, a) = try forward()
        let layer = runner.model.hiddenLayers[11]
        XCTAssertThrowsError(try runner.channelGuidedBackprop(a, layer: layer.name, channel: layer.channels)) {
            XCTAssertEqual("\($0)", "channel 64 does not exist: \(layer.name) has channels 0…63")
        }
    }

    func testContributions_SumToGradCAMBeforeItsReLU() throws {
        let (runner, a) = try forward()
        let c = try runner.classify(a)
        for hidden in [5, 11, 12] {
            let layer = runner.model.hiddenLayers[hidden]
            let k = try runner.channelContributions(a, classification: c, layer: layer.name, classIndex: 3)
            let g = try runner.gradCAM(a, classification: c, layer: layer.name, classIndex: 3)
            XCTAssertEqual(k.weights, g.weights)
            let map = a.outputs[layer.last]
            var summed = [Float](repeating: 0, count: layer.height * layer.width)
            for ch in 0..<layer.channels {
                for (p, v) in k.map(channel: ch, of: map).enumerated() { summed[p] += v }
            }
            // Grad-CAM's map is ReLU(Σ α_k A_k) scaled by its own maximum.
            let rectified = summed.map { max($0, 0) }
            let top = rectified.max() ?? 0
            XCTAssertGreaterThan(top, 0, layer.name)
            let error = zip(rectified, g.map).reduce(Float(0)) { max($0, abs($1.0 / top - $1.1)) }
            XCTAssertLessThan(error, 1e-4, layer.name)
            // The totals are the per-channel means of those maps, and they rank the channels.
            let mean = summed.reduce(0, +) / Float(summed.count)
            XCTAssertEqual(k.totals.reduce(0, +), mean, accuracy: 1e-4 * max(1, abs(mean)), layer.name)
            XCTAssertEqual(Set(k.ranking), Set(0..<layer.channels))
            for (a, b) in zip(k.ranking, k.ranking.dropFirst()) {
                XCTAssertGreaterThanOrEqual(k.totals[a], k.totals[b])
            }
            XCTAssertEqual(k.rank(of: k.ranking[0]), 1)
            XCTAssertEqual(k.rank(of: k.ranking.last!), layer.channels)
        }
    }
}

/// A gradient with respect to the network's input, as one with respect to the RGB pixels it was made from.
final class PixelGradientTests: XCTestCase {
    func testPixelGradient_CaffeSwapsBlueAndRedAndKeepsUnitScale() {
        XCTAssertEqual(Preprocessing.caffe.pixelGradient([1, 2, 3, 4, 5, 6]), [3, 2, 1, 6, 5, 4])
    }

    func testPixelGradient_TorchScalesEachChannelByItsStandardDeviation() {
        let g = Preprocessing.torch.pixelGradient([1, 1, 1])
        XCTAssertEqual(g[0], 1 / (0.229 * 255), accuracy: 1e-7)
        XCTAssertEqual(g[2], 1 / (0.225 * 255), accuracy: 1e-7)
    }

    func testPixelGradient_MatchesAFiniteDifferenceThroughThePreprocessing() {
        // d(Σ w·input)/d(pixel) by central differences on the preprocessing itself.
        let w: [Float] = [0.3, -1.2, 2.0]
        for p in [Preprocessing.caffe, .torch, .tf, .unit, .none] {
            let analytic = p.pixelGradient(w)
            for c in 0..<3 {
                func f(_ delta: Float) -> Float {
                    var rgb: [Float] = [100, 120, 140]
                    rgb[c] += delta
                    let x = p.apply(rgb: rgb, height: 1, width: 1).data
                    return zip(w, x).reduce(0) { $0 + $1.0 * $1.1 }
                }
                XCTAssertEqual(
                    analytic[c], (f(0.5) - f(-0.5)) / 1, accuracy: 1e-3 * max(1, abs(analytic[c])), "\(p) \(c)")
            }
        }
    }
}
