import XCTest

@testable import ConvEngine

/// The parts of Lucid-style feature visualisation, each forward pass against a direct reference and each backward
/// pass against its forward (dot-product test for the linear ones, finite differences for the rest).
final class FeatureVisPartsTests: XCTestCase {
    /// numpy's irfft2 written out: 1/(HW) Σ_kx w_kx Re(Σ_ky X e^{2πi(ky·y/H + kx·x/W)}), in double precision.
    private func naiveInverse(_ c: [Float], height h: Int, width w: Int) -> [Double] {
        let k = w / 2 + 1
        var out = [Double](repeating: 0, count: h * w)
        for y in 0..<h {
            for x in 0..<w {
                var sum = 0.0
                for ky in 0..<h {
                    for kx in 0..<k {
                        let a = 2 * Double.pi * (Double(ky * y) / Double(h) + Double(kx * x) / Double(w))
                        let weight: Double = kx == 0 || kx == w / 2 ? 1 : 2
                        sum += weight * (Double(c[ky * k + kx]) * cos(a) - Double(c[h * k + ky * k + kx]) * sin(a))
                    }
                }
                out[y * w + x] = sum / Double(h * w)
            }
        }
        return out
    }

    func testRealDFT2D_Synthesis_MatchesTheNaiveInverseDFT() {
        var rng = SeededRandom(seed: 3)
        for (h, w) in [(16, 16), (12, 20), (48, 48)] {
            let dft = RealDFT2D(height: h, width: w)
            let planes = 3
            let c = rng.floats(planes * dft.coefficientCount)
            var image = [Float](repeating: .nan, count: planes * h * w)
            var scratch = [Float](repeating: .nan, count: planes * dft.coefficientCount)
            c.withUnsafeBufferPointer { cp in
                image.withUnsafeMutableBufferPointer { ip in
                    scratch.withUnsafeMutableBufferPointer { sp in
                        dft.synthesize(
                            cp.baseAddress!, planes: planes, image: ip.baseAddress!, scratch: sp.baseAddress!)
                    }
                }
            }
            var worst = 0.0
            var largest = 0.0
            for p in 0..<planes {
                let reference = naiveInverse(
                    Array(c[(p * dft.coefficientCount)..<((p + 1) * dft.coefficientCount)]), height: h, width: w)
                for i in reference.indices {
                    worst = max(worst, abs(Double(image[p * h * w + i]) - reference[i]))
                    largest = max(largest, abs(reference[i]))
                }
            }
            print("inverse real DFT \(h)×\(w) vs naive DFT: max error \(worst) (largest value \(largest))")
            XCTAssertLessThan(worst, 1e-5 * max(largest, 1))
        }
    }

    func testRealDFT2D_Adjoint_PassesTheDotProductTest() {
        var rng = SeededRandom(seed: 4)
        let dft = RealDFT2D(height: 24, width: 32)
        let planes = 2
        let c = rng.floats(planes * dft.coefficientCount)
        let g = rng.floats(planes * 24 * 32)
        var image = [Float](repeating: 0, count: g.count)
        var back = [Float](repeating: 0, count: c.count)
        var scratch = [Float](repeating: 0, count: planes * dft.coefficientCount)
        dft.synthesize(c, planes: planes, image: &image, scratch: &scratch)
        dft.synthesizeAdjoint(g, planes: planes, spectrumGradient: &back, scratch: &scratch)
        let lhs = zip(image, g).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        let rhs = zip(c, back).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        print("DFT adjoint: <Sx, g> = \(lhs), <x, Sᵀg> = \(rhs)")
        XCTAssertEqual(lhs, rhs, accuracy: 1e-5 * max(abs(lhs), 1e-3))
    }

    func testRealDFT2D_Analyze_IsInvertedBySynthesis() {
        var rng = SeededRandom(seed: 5)
        let dft = RealDFT2D(height: 20, width: 16)
        let image = rng.floats(20 * 16, 0, 255)
        var back = [Float](repeating: 0, count: image.count)
        var scratch = [Float](repeating: 0, count: dft.coefficientCount)
        dft.synthesize(dft.analyze(image), planes: 1, image: &back, scratch: &scratch)
        let worst = zip(image, back).map { abs($0 - $1) }.max()!
        print("irfft2(rfft2(x)) round trip: max error \(worst) on a 0–255 image")
        XCTAssertLessThan(worst, 1e-3)
    }

    /// Loss Σ w·rgb of a FourierImage, its gradient by `backward` against central differences, in both colour
    /// spaces, with a milder decorrelation and with a steeper spectrum.
    func testFourierImage_Backward_MatchesFiniteDifferences() {
        for (decorrelate, decay, power) in [
            (true, Float(1), Float(1)), (false, 1, 1), (true, 1.5, 1), (true, 1, 0.5),
        ] {
            var rng = SeededRandom(seed: 6)
            let param = FourierImage(side: 16, decorrelate: decorrelate, decay: decay, colourPower: power)
            let n = 2
            let c = rng.floats(n * param.coefficientsPerImage, -0.05, 0.05)
            let w = rng.floats(n * 16 * 16 * 3)
            var scratch = [Float](repeating: 0, count: param.scratchCount(images: n))
            func loss(_ x: [Float]) -> (Double, [Float]) {
                var rgb = [Float](repeating: 0, count: n * 16 * 16 * 3)
                param.render(x, images: n, rgb: &rgb, scratch: &scratch)
                return (zip(rgb, w).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }, rgb)
            }
            let rgb = loss(c).1
            var analytic = [Float](repeating: 0, count: c.count)
            param.backward(w, rgb: rgb, images: n, coefficientGradient: &analytic, scratch: &scratch)
            let coordinates = (0..<40).map { _ in Int(rng.next() % UInt64(c.count)) }
            let fd = FiniteDifferences(x: c, analytic: analytic, coordinates: coordinates, eps: 1e-3) { loss($0).0 }
            print(
                "FourierImage backward vs finite differences (decorrelate \(decorrelate), decay \(decay), "
                    + "colour power \(power)): "
                    + "max relative error \(fd.maxError)"
            )
            XCTAssertLessThan(fd.maxError, 2e-3)
        }
    }

    /// With `flatBelow`, every frequency up to it gets the scale of that frequency; above it the scale falls as
    /// 1/f^decay, as without.
    func testFourierImage_FlatBelow_FlattensOnlyTheLowFrequencies() {
        let (side, decay, flat) = (32, Float(1.35), Float(0.1))
        let lucid = FourierImage(side: side, decay: decay)
        let flattened = FourierImage(side: side, decay: decay, flatBelow: flat)
        let k = lucid.dft.halfWidth
        var below = 0
        for ky in 0..<side {
            for kx in 0..<k {
                let f = lucid.dft.frequency(ky: ky, kx: kx)
                let i = ky * k + kx
                if f <= flat {
                    below += 1
                    XCTAssertEqual(flattened.scale[i], Float(side) / pow(flat, decay) / 4, accuracy: 1e-3)
                    XCTAssertLessThanOrEqual(flattened.scale[i], lucid.scale[i] * (1 + 1e-6))
                } else {
                    XCTAssertEqual(flattened.scale[i], lucid.scale[i])
                }
            }
        }
        XCTAssertGreaterThan(below, 10)
    }

    func testFourierImage_CoefficientsOfAPhoto_RenderThePhoto() {
        var rng = SeededRandom(seed: 7)
        for (decorrelate, power) in [(false, Float(1)), (true, 1), (true, 0.5)] {
            let param = FourierImage(side: 16, decorrelate: decorrelate, colourPower: power)
            let photo = rng.floats(16 * 16 * 3, 5, 250)
            var rgb = [Float](repeating: 0, count: photo.count)
            var scratch = [Float](repeating: 0, count: param.scratchCount(images: 1))
            param.render(param.coefficients(of: photo), images: 1, rgb: &rgb, scratch: &scratch)
            let worst = zip(photo, rgb).map { abs($0 - $1) }.max()!
            print("photo → coefficients → render (decorrelate \(decorrelate), power \(power)): max error \(worst)")
            XCTAssertLessThan(worst, 0.05)
        }
    }

    /// The view is linear in the image when what falls outside is 0: its adjoint must pass the dot-product test; a
    /// whole-pixel shift moves pixels exactly.
    func testViewTransform_Adjoint_PassesTheDotProductTest() {
        var rng = SeededRandom(seed: 8)
        let side = 20
        for view in [
            ViewTransform(scale: 1.1, angle: 0.15, dx: 3, dy: -2),
            ViewTransform(scale: 0.9, angle: -0.1, dx: -5, dy: 4),
            .identity,
        ] {
            let x = rng.floats(side * side * 3)
            let g = rng.floats(side * side * 3)
            var y = [Float](repeating: 0, count: x.count)
            var back = y
            view.apply(x, side: side, fill: 0, into: &y)
            view.adjoint(g, side: side, into: &back)
            let lhs = zip(y, g).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            let rhs = zip(x, back).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            XCTAssertEqual(lhs, rhs, accuracy: 1e-4 * max(abs(lhs), 1), "\(view)")
        }
        let x = rng.floats(side * side * 3)
        var y = [Float](repeating: 0, count: x.count)
        ViewTransform(dx: 2, dy: 1).apply(x, side: side, fill: 127.5, into: &y)
        XCTAssertEqual(y[((5 * side) + 7) * 3 + 1], x[((4 * side) + 5) * 3 + 1], accuracy: 1e-5, "out(7, 5) = in(5, 4)")
        XCTAssertEqual(y[0], 127.5, "uncovered pixels are the fill")
    }

    func testViewTransform_Random_StaysInItsRanges() {
        var rng = SplitMix64(seed: 9)
        var angles = Set<Float>()
        var shifts = Set<Float>()
        for _ in 0..<2000 {
            let v = ViewTransform.random(&rng, jitter: 8, spread: 0.1, degrees: 10)
            XCTAssertTrue((0.9 - 1e-6)...(1.1 + 1e-6) ~= v.scale)
            XCTAssertLessThanOrEqual(abs(v.angle), 10 * .pi / 180 + 1e-6)
            XCTAssertLessThanOrEqual(max(abs(v.dx), abs(v.dy)), 8)
            angles.insert(v.angle)
            shifts.insert(v.dx)
        }
        XCTAssertEqual(angles.count, 21)
        XCTAssertEqual(shifts.count, 17)
        XCTAssertEqual(ViewTransform.random(&rng, jitter: 0, spread: 0, degrees: 0), .identity)
    }

    func testRedirectedReLU_DeadImageGetsTheGradientThatRaisesIt() {
        // Image 0: one live unit with gradient; image 1: every unit dead.
        let y: [Float] = [0, 2, 0, 0, 0, 0, 0, 0]
        let g: [Float] = [1, -1, -2, 3, 1, -1, -2, 3]
        var plain = g
        var redirected = g
        RedirectedReLU.backward(&plain, output: y, images: 2, count: 4, redirect: false)
        RedirectedReLU.backward(&redirected, output: y, images: 2, count: 4, redirect: true)
        XCTAssertEqual(plain, [0, -1, 0, 0, 0, 0, 0, 0])
        XCTAssertEqual(
            redirected, [0, -1, 0, 0, 1, 0, 0, 3], "live image: plain rule; dead image: only what raises it")
        var long = (0..<37).map { Float($0 % 5) - 2 }
        var ys = (0..<37).map { Float($0 % 3) }
        RedirectedReLU.backward(&long, output: ys, images: 1, count: 37, redirect: false)
        XCTAssertEqual(long, (0..<37).map { $0 % 3 == 0 ? 0 : Float($0 % 5) - 2 }, "the vector loop and its tail")
    }

    func testAdam_FirstStep_MovesEveryParameterByTheRate() {
        var x: [Float] = [1, 2, 3]
        var m = [Float](repeating: 0, count: 3)
        var v = m
        let g: [Float] = [1e-6, -5, 300]
        Adam(rate: 0.05).ascend(&x, gradient: g, m: &m, v: &v, count: 3, t: 1)
        XCTAssertEqual(x[0], 1.05, accuracy: 1e-3)
        XCTAssertEqual(x[1], 1.95, accuracy: 1e-5)
        XCTAssertEqual(x[2], 3.05, accuracy: 1e-5)
    }

    /// Pooled over a group, the first step is rate · g / (|g|^(1 − p) · RMS(g)^p): at p = ½ the steps go as the
    /// gradients' square roots (1 : 2 : 4 for gradients 1 : 4 : 16), where Adam moves each by the rate; each group is
    /// pooled alone (the second, 100 times larger, steps alike), and p = 0 is Adam.
    func testAdam_Pooled_StepsWithTheSquareRootOfTheGradient() {
        let g: [Float] = [1, -4, 16, 100, -400, 1600]
        func step(_ pooled: Float) -> [Float] {
            var x = [Float](repeating: 0, count: 6)
            var m = x
            var v = x
            Adam(rate: 0.1).ascend(&x, gradient: g, m: &m, v: &v, count: 6, t: 1, group: 3, pooled: pooled)
            return x
        }
        let rms = ((1 + 16 + 256) / 3 as Float).squareRoot()
        let half = step(0.5)
        for (i, expected) in [1, -2, 4].map({ 0.1 * $0 / rms.squareRoot() }).enumerated() {
            XCTAssertEqual(half[i], Float(expected), accuracy: 1e-6, "coefficient \(i)")
            XCTAssertEqual(half[i + 3], Float(expected), accuracy: 1e-6, "coefficient \(i + 3)")
        }
        let whole = step(1)
        XCTAssertEqual(whole[2] / whole[0], 16, accuracy: 1e-4, "p = 1: in proportion to the gradient")
        XCTAssertEqual(step(0), [0.1, -0.1, 0.1, 0.1, -0.1, 0.1].map { Float($0) })
    }

    func testColourCorrelation_InverseIsTheInverse() {
        let m = ColourCorrelation.matrix
        let inv = ColourCorrelation.inverse
        for r in 0..<3 {
            for c in 0..<3 {
                let v = (0..<3).reduce(Float(0)) { $0 + m[r * 3 + $1] * inv[$1 * 3 + c] }
                XCTAssertEqual(v, r == c ? 1 : 0, accuracy: 1e-5)
            }
        }
        let norms = (0..<3).map { c in (0..<3).map { m[$0 * 3 + c] * m[$0 * 3 + c] }.reduce(0, +).squareRoot() }
        XCTAssertEqual(norms.max()!, 1, accuracy: 1e-6, "the largest column has unit length")
    }

    /// Power 1 is Lucid's matrix; lower powers keep the columns' directions and bring their lengths together (power 0:
    /// all unit length), and `inverse(of:)` inverts each.
    func testColourCorrelation_Power_BringsTheColumnLengthsTogether() {
        func columns(_ m: [Float]) -> [[Float]] { (0..<3).map { c in (0..<3).map { m[$0 * 3 + c] } } }
        func length(_ v: [Float]) -> Float { v.map { $0 * $0 }.reduce(0, +).squareRoot() }
        XCTAssertEqual(ColourCorrelation.matrix(power: 1), ColourCorrelation.matrix)
        let lucid = columns(ColourCorrelation.matrix).map(length)
        XCTAssertLessThan(lucid[2], 0.2 * lucid[0], "Lucid's third colour direction is short")
        for power in [Float(0), 0.5] {
            let m = ColourCorrelation.matrix(power: power)
            let lengths = columns(m).map(length)
            for c in 0..<3 {
                XCTAssertEqual(lengths[c], pow(lucid[c], power), accuracy: 1e-5, "power \(power), column \(c)")
                let cosine = zip(columns(m)[c], columns(ColourCorrelation.matrix)[c]).map { $0 * $1 }.reduce(0, +)
                    / (lengths[c] * lucid[c])
                XCTAssertEqual(cosine, 1, accuracy: 1e-5, "the direction stays")
            }
            let inv = ColourCorrelation.inverse(of: m)
            for r in 0..<3 {
                for c in 0..<3 {
                    let v = (0..<3).reduce(Float(0)) { $0 + m[r * 3 + $1] * inv[$1 * 3 + c] }
                    XCTAssertEqual(v, r == c ? 1 : 0, accuracy: 1e-4)
                }
            }
        }
    }

    /// A sinusoid below half Nyquist has almost none of its energy above it, one above almost all; white noise has
    /// the share of the frequency square outside the circle of radius ¼: 1 − π/16.
    func testSpectralEnergy_KnownImages() {
        let side = 64
        func wave(_ f: Double) -> [Float] {
            (0..<(side * side * 3)).map { i in Float(128 + 100 * cos(2 * Double.pi * f * Double((i / 3) % side))) }
        }
        XCTAssertLessThan(SpectralEnergy.highFrequencyFraction(wave(0.1), side: side), 0.01)
        XCTAssertGreaterThan(SpectralEnergy.highFrequencyFraction(wave(0.4), side: side), 0.99)
        var rng = SeededRandom(seed: 10)
        let noise = rng.floats(side * side * 3, 0, 255)
        let share = SpectralEnergy.highFrequencyFraction(noise, side: side, crop: 4)
        print("white noise: \(share) of its energy above half Nyquist (expected about \(1 - Double.pi / 16))")
        XCTAssertEqual(share, 1 - Double.pi / 16, accuracy: 0.03)
        XCTAssertEqual(
            SpectralEnergy.highFrequencyFraction([Float](repeating: 9, count: side * side * 3), side: side), 0)
    }
}
