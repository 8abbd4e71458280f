import ConvEngine
import Foundation

/// Finds model files (VGG16, VGG19, the user's own) in the places people keep them, in this order:
/// `--weights PATH`, `$CONVSCOPE_WEIGHTS`, the repo's `Weights/`, the user's data folder
/// (`$XDG_DATA_HOME/convscope/weights`, default `~/.local/share/convscope/weights`), the Keras cache
/// (`~/.keras/models/vgg16_weights_tf_dim_ordering_tf_kernels.h5`, then `…_notop.h5`) and the Hugging Face cache
/// for `timm/vgg16.tv_in1k`.
///
/// Choosing: a file named with `--weights` (else `$CONVSCOPE_WEIGHTS`) is the user's choice and is used as it is
/// (or nothing, when ConvScope cannot run it). Otherwise the first full file in that order wins, and only when no place
/// holds a full file does the first backbone. Files ConvScope cannot run are skipped, with the reason.
public struct WeightsDiscovery {
    public enum PlaceName {
        public static let explicit = "--weights"
        public static let environment = "$CONVSCOPE_WEIGHTS"
        public static let repo = "repo Weights/"
        public static let dataFolder = "data folder"
        public static let keras = "Keras cache"
        public static let huggingFace = "Hugging Face cache"
        /// Chosen as given, without the full-beats-backbone rule.
        public static let userChosen: Set<String> = [explicit, environment]
    }

    /// One path looked at and what was found there.
    public struct Place: Sendable, Equatable {
        public let name: String
        public let path: String
        public let finding: Finding
        public init(name: String, path: String, finding: Finding) {
            self.name = name
            self.path = path
            self.finding = finding
        }
    }

    /// The weights file to use.
    public struct Candidate: Sendable, Equatable {
        public let place: String
        public let path: String
        public let kind: WeightsKind
        /// What the file is (`Model.summary`).
        public let format: String
    }

    public static let kerasFullName = "vgg16_weights_tf_dim_ordering_tf_kernels.h5"
    public static let kerasNotopName = "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5"
    public static let kerasVGG19FullName = "vgg19_weights_tf_dim_ordering_tf_kernels.h5"
    public static let kerasVGG19NotopName = "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"
    public static let huggingFaceRepo = "models--timm--vgg16.tv_in1k"

    public let explicit: String?
    public let environment: [String: String]
    public let home: String
    public let repoWeightsFolder: String?
    private let probe: (String) -> Finding

    public init(
        explicit: String?, environment: [String: String], home: String, repoWeightsFolder: String?,
        probe: @escaping (String) -> Finding = WeightsProbe.classify
    ) {
        self.explicit = explicit
        self.environment = environment
        self.home = home
        self.repoWeightsFolder = repoWeightsFolder
        self.probe = probe
    }

    /// For this process: its environment and `$HOME`.
    public static func forCurrentUser(
        explicit: String?, repoWeightsFolder: String?,
        probe: @escaping (String) -> Finding = WeightsProbe.classify
    ) -> WeightsDiscovery {
        let env = ProcessInfo.processInfo.environment
        return WeightsDiscovery(
            explicit: explicit, environment: env, home: env["HOME"] ?? NSHomeDirectory(),
            repoWeightsFolder: repoWeightsFolder, probe: probe)
    }

    /// `$XDG_DATA_HOME/convscope/weights`, else `HOME/.local/share/convscope/weights`.
    public static func dataFolder(environment: [String: String], home: String) -> String {
        if let xdg = environment["XDG_DATA_HOME"], xdg.hasPrefix("/") { return xdg + "/convscope/weights" }
        return home + "/.local/share/convscope/weights"
    }

    public var dataFolder: String { WeightsDiscovery.dataFolder(environment: environment, home: home) }

    /// Every place looked at, in order, with what was found there (one entry per file in a folder).
    public func search() -> [Place] { search(until: { _ in false }) }

    /// The places in order, stopping (no further file probed, which would mean loading it) once `enough` says the
    /// places so far decide.
    func search(until enough: ([Place]) -> Bool) -> [Place] {
        var places: [Place] = []
        var done = false
        func file(_ name: String, _ path: String?, given: Bool) {
            if done { return }
            defer { done = enough(places) }
            guard let path, !path.isEmpty else {
                places.append(Place(name: name, path: "", finding: .notGiven))
                return
            }
            // The probe (which may be a caller's own) is handed only regular files.
            var finding = WeightsProbe.regularFileCheck(path: path) ?? probe(path)
            if given, finding == .nothing { finding = .rejected(WeightsError.notFound(path: path).description) }
            places.append(Place(name: name, path: path, finding: finding))
        }
        func folder(_ name: String, _ dir: String?) {
            if done { return }
            defer { done = enough(places) }
            guard let dir else {
                places.append(Place(name: name, path: "", finding: .notGiven))
                return
            }
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [])
                .filter { n in
                    !n.hasPrefix(".")
                        && [".h5", ".safetensors", ".keras", ".onnx"].contains { n.lowercased().hasSuffix($0) }
                }
                .sorted()
            var listed = 0
            for n in names {
                if listed > 0 && enough(places) { break }
                let path = dir + "/" + n
                // A FIFO, socket or device named like a model is listed as skipped with the reason, never opened.
                let finding = WeightsProbe.regularFileCheck(path: path) ?? probe(path)
                if finding == .nothing { continue }  // gone between the listing and the look
                places.append(Place(name: name, path: path, finding: finding))
                listed += 1
            }
            if listed == 0 { places.append(Place(name: name, path: dir, finding: .nothing)) }
        }
        file(PlaceName.explicit, explicit, given: true)
        file(PlaceName.environment, environment["CONVSCOPE_WEIGHTS"], given: true)
        folder(PlaceName.repo, repoWeightsFolder)
        folder(PlaceName.dataFolder, dataFolder)
        file(PlaceName.keras, home + "/.keras/models/" + WeightsDiscovery.kerasFullName, given: false)
        file(PlaceName.keras, home + "/.keras/models/" + WeightsDiscovery.kerasNotopName, given: false)
        file(PlaceName.keras, home + "/.keras/models/" + WeightsDiscovery.kerasVGG19FullName, given: false)
        file(PlaceName.keras, home + "/.keras/models/" + WeightsDiscovery.kerasVGG19NotopName, given: false)
        let snapshots = home + "/.cache/huggingface/hub/" + WeightsDiscovery.huggingFaceRepo + "/snapshots"
        let hf = ((try? FileManager.default.contentsOfDirectory(atPath: snapshots)) ?? []).sorted()
            .map { snapshots + "/" + $0 + "/model.safetensors" }
            .filter { FileManager.default.fileExists(atPath: $0) }
        if hf.isEmpty {
            places.append(
                Place(name: PlaceName.huggingFace, path: snapshots + "/*/model.safetensors", finding: .nothing))
        }
        for p in hf { file(PlaceName.huggingFace, p, given: false) }
        return places
    }

    /// The file to use, or nil when there is none (or the one named with --weights / $CONVSCOPE_WEIGHTS is unusable).
    /// Looks only as far as needed: every place probed is a model loaded, up to half a gigabyte each.
    public func best() -> Candidate? { WeightsDiscovery.choose(from: search(until: WeightsDiscovery.decided)) }

    /// Whether `places` (searched in order so far) already decide `choose`: a user-chosen place that was given, or,
    /// past those, a full model.
    static func decided(_ places: [Place]) -> Bool {
        if places.contains(where: { PlaceName.userChosen.contains($0.name) && $0.finding != .notGiven }) { return true }
        return places.contains { !PlaceName.userChosen.contains($0.name) && $0.finding.kind == .full }
    }

    /// The rule of `best()` applied to places already searched.
    public static func choose(from places: [Place]) -> Candidate? {
        func candidate(_ p: Place) -> Candidate? {
            guard case .found(let kind, let format) = p.finding else { return nil }
            return Candidate(place: p.name, path: p.path, kind: kind, format: format)
        }
        if let chosen = places.first(where: { PlaceName.userChosen.contains($0.name) && $0.finding != .notGiven }) {
            return candidate(chosen)
        }
        let automatic = places.filter { !PlaceName.userChosen.contains($0.name) }
        return automatic.lazy.compactMap(candidate).first { $0.kind == .full }
            ?? automatic.lazy.compactMap(candidate).first
    }
}
