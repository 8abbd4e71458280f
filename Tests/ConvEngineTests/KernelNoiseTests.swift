import XCTest

@testable import ConvEngine

/// The sanity check's randomised kernels are made where they are read (`KernelNoise`): any range equals that slice of
/// the whole, the values are normal with the asked σ, and a randomised model's dense kernels, streamed through every
/// pass, give the numbers the same kernels held whole give, and are never held.
final class KernelNoiseTests: XCTestCase {
    func testKernelNoise_AnyRangeIsThatSliceOfTheWhole() {
        let noise = KernelNoise(key: 42, std: 0.5, count: 100_003)
        let whole = noise.array()
        XCTAssertEqual(noise.array(ways: 3), whole, "split over threads")
        for r in [0..<1, 3..<11, 5..<70_001, 99_990..<100_003] {
            var part = [Float](repeating: .nan, count: r.count)
            part.withUnsafeMutableBufferPointer { noise.fill(r, into: $0.baseAddress!, ways: 2) }
            XCTAssertEqual(part, Array(whole[r]), "\(r)")
        }
        let other = KernelNoise(key: 43, std: 0.5, count: 100_003).array()
        let agree = zip(whole, other).filter { $0 == $1 }.count
        XCTAssertLessThan(agree, 100, "another key, other numbers")
    }

    func testKernelNoise_NormalWithTheAskedDeviation() {
        let std: Float = 0.25
        let x = KernelNoise(key: 2018, std: std, count: 1 << 22).array(ways: 2).map { Double($0 / std) }
        let n = Double(x.count)
        let mean = x.reduce(0, +) / n
        let sd = (x.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / n).squareRoot()
        let beyond1 = Double(x.filter { abs($0) > 1 }.count) / n
        let beyond2 = Double(x.filter { abs($0) > 2 }.count) / n
        print("KernelNoise over 2^22 values: mean \(mean), σ \(sd), P(|z|>1) \(beyond1), P(|z|>2) \(beyond2)")
        XCTAssertEqual(mean, 0, accuracy: 0.002)
        XCTAssertEqual(sd, 1, accuracy: 0.002)
        XCTAssertEqual(beyond1, 0.317_31, accuracy: 0.001)
        XCTAssertEqual(beyond2, 0.045_50, accuracy: 0.0005)
        XCTAssertLessThanOrEqual(x.map(abs).max()!, 4.325)
        XCTAssertEqual(Double(KernelNoise.quantiles[65535]), 4.324_919, accuracy: 1e-5, "Φ⁻¹(1 − 1/131072)")
        XCTAssertEqual(Double(KernelNoise.quantiles[32768]), 1.912_4e-5, accuracy: 1e-8, "Φ⁻¹(½ + 1/131072)")
        XCTAssertEqual(KernelNoise.quantiles[0], -KernelNoise.quantiles[65535])
    }

    func testRandomizing_DenseKernelsMadeWhereRead_SameAsHeldWhole_NeverHeld() throws {
        let rows = Dense.streamRows
        Dense.streamRows = 5  // several chunks of every dense kernel of the small model
        defer { Dense.streamRows = rows }
        let model = try ModelLoader.load(path: try ModelReference("vgg16_finetuned").path())
        let steps = model.weightedLayersTopDown
        let dense = model.layers.indices.filter { if case .dense = model.layers[$0].kind { true } else { false } }
        let top = model.layers.lastIndex { if case .conv2D = $0.kind { true } else { false } }!
        // Every dense layer and the last convolution randomised.
        let random = try model.randomizing(Set(steps.prefix(dense.count + 1)))
        let storages = dense.map { i -> KernelStorage in
            guard case .dense(let d) = random.layers[i].kind else { preconditionFailure() }
            return d.storage
        }
        var rng = SeededRandom(seed: 5)
        let (inputs, x) = rng.inputs(3, of: model)
        let last = model.layers.count - 1
        func outputs(_ m: Model) throws -> [[Float]] {
            let runner = Runner(model: m, batch: 3)
            let a = try runner.forward(x)
            let g = (0..<m.layers[last].output.count).map { Float($0 % 3) - 1 }
            return [
                try runner.classify(a).logits, runner.lastOutputs(inputs, count: 3),
                runner.backward(g, from: last, to: -1, activations: a),
                runner.channelGradientSums(g, from: last, to: top, activations: a)!,
            ]
        }
        let streamed = try outputs(random)
        let input64 = x.data.map(Double.init)
        let gradient64 = try Float64Pass(model: random).inputGradient(at: input64, classIndex: 1)
        XCTAssertEqual(storages.map(\.wholeReads), storages.map { _ in 0 }, "every read a chunk at a time")
        XCTAssertTrue(storages.allSatisfy { !$0.isResident }, "never held")
        let held = try random.replacingLayers(
            random.layers.map { l in
                guard case .dense(var d) = l.kind else { return l }
                d.kernel = d.kernel  // made whole once, and held
                var copy = l
                copy.kind = .dense(d)
                return copy
            })
        XCTAssertEqual(storages.map(\.wholeReads), storages.map { _ in 1 }, "made whole once, for the held copy")
        let whole = try outputs(held)
        let held64 = try Float64Pass(model: held).inputGradient(at: input64, classIndex: 1)
        let error64 = zip(gradient64, held64).map { abs($0 - $1) }.max()! / held64.map(abs).max()!
        print("float64 input gradient, randomised dense kernels made per chunk vs held: \(error64)")
        XCTAssertLessThanOrEqual(error64, 1e-12)
        let errors = zip(streamed, whole).map { s, w in
            zip(s, w).map { abs($0 - $1) }.max()! / max(w.map(abs).max()!, 1e-30)
        }
        print(
            "randomised dense kernels made per chunk vs held: max error relative to the largest value "
                + "(logits, batch, backward, channel sums): \(errors)")
        XCTAssertTrue(errors.allSatisfy { $0 <= 1e-5 }, "\(errors)")
        let trained = Runner(model: model)
        XCTAssertNotEqual(streamed[0], try trained.classify(trained.forward(x)).logits, "randomised")
    }
}
