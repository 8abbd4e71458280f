import ArgumentParser
import ConvEngine
import Foundation

/// `convscope score`: which explanation does the network itself agree with on this image? Every chosen method's map
/// is scored by RISE's deletion and insertion (20 steps each) and by Average Drop and Increase in Confidence, and the
/// methods are ranked by insertion − deletion. Prints a table, or JSON with the curves.
struct ScoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Rank explanation methods on one image by how faithful their maps are (deletion, insertion, "
            + "Average Drop, Increase in Confidence).")

    @Argument(help: "The image.") var image: String
    @OptionGroup var weightsOptions: WeightsOptions
    @Option(help: "Methods, comma-separated, or all: \(ExplainMethod.names.joined(separator: ", ")).")
    var methods = "all"
    @Option(help: "Hidden layer of the CAM methods: a name or a 1-based index (default: the last convolution).")
    var layer: String?
    @Option(name: .customLong("class"), help: "Class index from 0 (default: the image's top class).") var classIndex:
        Int?
    @Option(help: "Score the CAM methods explain: logit (default) or probability.") var score: CAMScore = .logit
    @Option(help: "Steps of the deletion and insertion curves.") var steps = 20
    @Option(help: "Score-CAM: use only the N channels with the largest mean activation (Faster Score-CAM).")
    var scoreCamTop: Int?
    @Flag(help: "Print JSON (every method's areas, curves, Average Drop, Increase in Confidence and time).") var json =
        false
    @Flag(help: "Centre-crop to the input's aspect before resizing.") var crop = false
    @Flag(
        help: ArgumentHelp(
            "Also ROAD (Rong et al., 2022; pytorch-grad-cam's metrics): most and least relevant first "
                + "at percentiles 10…90 with noisy linear imputation, and the combined score. Seconds per method."))
    var road = false
    @OptionGroup(title: "Input attributions") var attributionOptions: AttributionOptions

    func validate() throws {
        guard (1...1000).contains(steps) else { throw ValidationError("--steps must be between 1 and 1000") }
        if let n = scoreCamTop, n < 1 { throw ValidationError("--score-cam-top must be at least 1") }
        try attributionOptions.checkPrecision(chosen())
    }

    func chosen() throws -> [ExplainMethod] { try ExplainMethod.list(methods, scoreCamTop: scoreCamTop) }

    func run() throws {
        try reportingErrors {
            let model = try weightsOptions.load()
            guard model.hasClassifier else { throw EngineError.noClassifier(model: model.sourceName) }
            let chosen = try attributionOptions.applied(to: chosen(), layer: layer, model: model)
            let runner = Runner(model: model)
            let picture = try InputImage(path: image, width: model.input.width, height: model.input.height, crop: crop)
            let a = try runner.forward(runner.preprocess(rgb: picture.networkRGB))
            let c = try runner.classify(a)
            let k = classIndex ?? c.top(1)[0].index
            guard k >= 0 && k < model.classes else { throw EngineError.classOutOfRange(k, classes: model.classes) }
            var rows: [Row] = []
            for m in chosen {
                let start = Date()
                let map = try m.run(
                    runner, a, classification: c, layer: layer, classIndex: k, score: score,
                    precision: attributionOptions.precision)
                let full =
                    map.height == a.input.height && map.width == a.input.width
                    ? map.display
                    : CAMMethods.upsampled(
                        map.display, height: map.height, width: map.width, to: a.input.height,
                        a.input.width)
                let f = try runner.faithfulness(input: a.input, map: full, classIndex: k, steps: steps)
                let r = road ? try runner.road(input: a.input, map: full, classIndex: k) : nil
                rows.append(
                    Row(
                        method: map.method, parameters: map.parameters, layer: map.layer, scores: f, road: r,
                        seconds: Date().timeIntervalSince(start)))
                if !json && isatty(2) != 0 {
                    FileHandle.standardError.write(
                        Data(String(format: "\r%d of %d methods", rows.count, chosen.count).utf8))
                }
            }
            rows.sort { $0.rank > $1.rank }
            if json {
                try printJSON(rows, model: model, classIndex: k)
            } else {
                printTable(rows, model: model, classIndex: k)
            }
        }
    }

    struct Row {
        let method: String
        let parameters: [String: Any]
        let layer: String?
        let scores: Faithfulness
        let road: ROADScores?
        let seconds: Double
        var rank: Float { scores.insertion.area - scores.deletion.area }
    }

    private func printTable(_ rows: [Row], model: Model, classIndex k: Int) {
        if isatty(2) != 0 { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        print(
            "\((image as NSString).lastPathComponent): class \(k) (\(model.className(k))), \(steps) steps; "
                + "deletion: lower is better, insertion: higher is better")
        print(
            "rank  method                  deletion  insertion  ins−del  avg drop  increase  seconds"
                + (road ? "     ROAD" : ""))
        for (i, r) in rows.enumerated() {
            print(
                String(
                    format: "%4d  %@  %8.4f  %9.4f  %7.4f  %7.1f%%  %@  %7.2f", i + 1,
                    r.method.padding(toLength: 22, withPad: " ", startingAt: 0), r.scores.deletion.area,
                    r.scores.insertion.area, r.rank, r.scores.drop,
                    (r.scores.increase ? "yes" : "no").padding(toLength: 8, withPad: " ", startingAt: 0), r.seconds)
                    + (r.road.map { String(format: "  %7.4f", $0.combined) } ?? ""))
        }
    }

    private func printJSON(_ rows: [Row], model: Model, classIndex k: Int) throws {
        let methods: [[String: Any]] = rows.map { r in
            var d: [String: Any] = [
                "method": r.method, "deletion": r.scores.deletion.area, "insertion": r.scores.insertion.area,
                "deletion_curve": r.scores.deletion.probabilities, "insertion_curve": r.scores.insertion.probabilities,
                "average_drop_percent": r.scores.drop, "increase_in_confidence": r.scores.increase,
                "probability": r.scores.probability, "masked_probability": r.scores.maskedProbability,
                "seconds": r.seconds, "parameters": r.parameters,
            ]
            if let l = r.layer { d["layer"] = l }
            if let road = r.road {
                d["road"] = [
                    "percentiles": road.percentiles, "most_relevant_first": road.mostRelevantFirst,
                    "least_relevant_first": road.leastRelevantFirst, "combined": road.combined,
                ]
            }
            return d
        }
        let object: [String: Any] = [
            "image": image, "model": model.sourceName, "class": k, "class_name": model.className(k),
            "steps": steps, "score": score.rawValue, "ranked_by": "insertion - deletion", "methods": methods,
        ]
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }
}
