import ConvEngine
import Foundation

/// `convscope filters --compare-methods`: both methods on the same filters at the same size and steps, and per layer
/// the two measures the feature-visualisation issue asks for: the mean activation the images reach (border left out,
/// the plain ascent's rule) and the share of their energy above half the Nyquist frequency
/// (`SpectralEnergy.highFrequencyFraction`, on the final RGB before display scaling, both cropped by the plain
/// ascent's crop).
///
/// The activation three ways, none left out: *raw*, each method's own final figure (plain's image is unbounded, far
/// outside 0–255; Lucid's sigmoid keeps it inside); *0–255*, plain's raw image clipped to the pixel range; *shown*,
/// the 8-bit image the user gets (`FilterImage.rgb`, what the grid, the window and the PNG show) fed back through the
/// network at the same size and border rule (`ShownImage`: the margin the crop left out filled by the same display
/// rule, the centre checked byte for byte against `rgb`).
struct FilterComparison {
    struct Row {
        let layer: String, filters: Int
        /// Means over the filters; `plainClipped`: plain's images clipped to 0–255, as a valid image would be;
        /// `…Shown`: the images as shown (see the type).
        let plainActivation: Double, plainClipped: Double, plainShown: Double
        let lucidActivation: Double, lucidShown: Double
        /// Filters whose Lucid image reaches plain's, raw and as shown.
        let lucidAtLeastPlain: Int, lucidShownAtLeastPlain: Int
        let plainHigh: Double, lucidHigh: Double
        let plainSeconds: Double, lucidSeconds: Double
        var activationMet: Bool { lucidActivation >= plainActivation }
        var clippedMet: Bool { lucidActivation >= plainClipped }
        var shownMet: Bool { lucidShown >= plainShown }
        var energyMet: Bool { lucidHigh <= 0.5 * plainHigh }
    }

    let layers: [String]?
    let size: Int, steps: Int, first: Int, count: Int, seed: UInt64, learningRate: Float, step: Float

    init(options o: FiltersCommand) {
        layers = o.layer.map { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } }
        size = o.size ?? FeatureVisSettings().size
        steps = o.steps ?? FeatureVisSettings().steps
        first = o.first
        count = o.count
        seed = o.seed
        learningRate = o.learningRate
        step = o.step
    }

    /// The first convolution of each block: each convolution that follows the input or a non-convolution.
    static func firstConvolutions(_ model: Model) -> [String] {
        let hidden = model.hiddenLayers
        return hidden.indices.filter { hidden[$0].isConv && ($0 == 0 || !hidden[$0 - 1].isConv) }.map {
            hidden[$0].name
        }
    }

    func run(_ model: Model) throws {
        print(
            String(
                format: "%d×%d, %d steps, filters %d–%d of each layer (fewer where a layer has fewer)", size, size,
                steps, first, first + count - 1))
        print(Self.header)
        var all: [Row] = []
        for layer in layers ?? Self.firstConvolutions(model) {
            let row = try measure(model, layer: layer)
            all.append(row)
            print(Self.line(row))
        }
        let met = all.filter { $0.activationMet && $0.energyMet }.count
        let clipped = all.filter { $0.clippedMet && $0.energyMet }.count
        let shown = all.filter { $0.shownMet && $0.energyMet }.count
        print(
            "\(met) of \(all.count) layers meet both: lucid mean activation ≥ plain (raw), "
                + "lucid high-frequency share ≤ ½ plain's; against plain clipped to 0–255: \(clipped); "
                + "both as shown: \(shown)"
        )
    }

    func measure(_ model: Model, layer: String) throws -> Row {
        let plainSettings = AscentSettings(size: size, steps: steps, stepSize: step, seed: seed)
        let lucidSettings = FeatureVisSettings(size: size, steps: steps, learningRate: learningRate, seed: seed)
        let plain = try FilterAscent(model: model, layer: layer, settings: plainSettings)
        let filters = Array(first..<min(plain.layer.channels, first + count))
        guard !filters.isEmpty else { throw AscentError.filterOutOfRange(first, filters: plain.layer.channels) }
        var t = Date()
        let p = try plain.run(filters: filters)
        let plainSeconds = Date().timeIntervalSince(t)
        t = Date()
        let l = try FeatureVis(model: model, layer: layer, settings: lucidSettings).run(filters: filters)
        let lucidSeconds = Date().timeIntervalSince(t)
        let response = try FilterResponse(model: model, layer: layer, size: size, border: plainSettings.border)
        let clipped = try p.map {
            Double(try response.meanActivation($0.raw.map { min(max($0, 0), 255) }, filter: $0.filter))
        }
        let plainShown = try p.map {
            Double(try response.meanActivation(try ShownImage.plain($0, size: size), filter: $0.filter))
        }
        let lucidShown = try l.map {
            Double(try response.meanActivation(try ShownImage.lucid($0, size: size), filter: $0.filter))
        }
        let crop = plainSettings.crop
        func high(_ i: FilterImage) -> Double { SpectralEnergy.highFrequencyFraction(i.raw, side: size, crop: crop) }
        func mean(_ v: [Double]) -> Double { v.reduce(0, +) / Double(max(v.count, 1)) }
        return Row(
            layer: plain.layer.name, filters: filters.count,
            plainActivation: mean(p.map { Double($0.finalActivation) }), plainClipped: mean(clipped),
            plainShown: mean(plainShown), lucidActivation: mean(l.map { Double($0.finalActivation) }),
            lucidShown: mean(lucidShown),
            lucidAtLeastPlain: zip(p, l).filter { $0.1.finalActivation >= $0.0.finalActivation }.count,
            lucidShownAtLeastPlain: zip(plainShown, lucidShown).filter { $0.1 >= $0.0 }.count,
            plainHigh: mean(p.map(high)), lucidHigh: mean(l.map(high)), plainSeconds: plainSeconds,
            lucidSeconds: lucidSeconds)
    }

    /// Columns: the activation raw (plain, lucid, ✔ when lucid ≥ plain), plain clipped to 0–255 (✔ when lucid's raw
    /// ≥ it), both as shown (✔ when lucid ≥ plain); filters where lucid ≥ plain, raw and shown; the energy shares.
    static let header = """
        layer          filters   mean activation                                            \
        lucid ≥ plain  energy > ½ Nyquist         time (s)
                                 plain      lucid   plain 0–255  plain shown  lucid shown   \
        raw  shown    plain    lucid    ratio    plain   lucid
        """

    static func line(_ r: Row) -> String {
        func tick(_ b: Bool) -> String { b ? "✔" : "✘" }
        let activation = String(
            format: "%9.2f  %9.2f%@  %9.2f%@  %11.2f  %9.2f%@", r.plainActivation, r.lucidActivation,
            tick(r.activationMet), r.plainClipped, tick(r.clippedMet), r.plainShown, r.lucidShown, tick(r.shownMet))
        return String(
            format: "%@ %7d %@  %2d/%-2d  %2d/%-2d   %6.4f   %6.4f   %5.3f%@  %6.1f  %6.1f",
            r.layer.padding(toLength: 14, withPad: " ", startingAt: 0), r.filters, activation, r.lucidAtLeastPlain,
            r.filters, r.lucidShownAtLeastPlain, r.filters, r.plainHigh, r.lucidHigh,
            r.lucidHigh / max(r.plainHigh, 1e-12), tick(r.energyMet), r.plainSeconds, r.lucidSeconds)
    }
}
