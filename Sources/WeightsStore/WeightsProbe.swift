import ConvEngine
import Foundation

/// What a weights file supports.
public enum WeightsKind: String, Sendable, Equatable {
    /// Hidden layers and a classifier: classes, Grad-CAM.
    case full
    /// Hidden layers only: channel maps and filter images.
    case backbone

    public var supports: String {
        switch self {
        case .full: return "full (hidden layers, classes, Grad-CAM)"
        case .backbone: return "backbone (hidden layers and filter images only; no classes, no Grad-CAM)"
        }
    }
}

/// What discovery found at one path.
public enum Finding: Sendable, Equatable {
    /// The place was not given (an unset option or variable).
    case notGiven
    /// Nothing there.
    case nothing
    /// A model of this kind; the text says what it is (`Model.summary`).
    case found(WeightsKind, String)
    /// A file is there but it is not a model ConvScope can run; the reason says why.
    case rejected(String)

    public var kind: WeightsKind? { if case .found(let k, _) = self { return k } else { return nil } }

    public var summary: String {
        switch self {
        case .notGiven: return "not given"
        case .nothing: return "nothing"
        case .found(let k, let f): return "\(k.rawValue): \(f)"
        case .rejected(let why): return "skipped: \(why)"
        }
    }
}

/// Tells a model with a classifier from a backbone and from anything else, by loading it with the loader's own
/// checks (`IsolatedModelLoader`: a file libhdf5 would read is loaded in a child process, so a hostile one in the
/// data folder is listed as rejected and never stops a start).
public enum WeightsProbe {
    public static func classify(path: String) -> Finding { classify(path: path, loaded: { _ in }) }

    /// As `classify(path:)`; the loaded model is handed to `loaded` so a caller that goes on to use the file need not
    /// read it again.
    public static func classify(path: String, loaded: (Model) -> Void) -> Finding {
        if let early = regularFileCheck(path: path) { return early }
        do {
            let model = try IsolatedModelLoader.load(path: path)
            loaded(model)
            return .found(model.hasClassifier ? .full : .backbone, model.summary)
        } catch {
            return .rejected("\(error)")
        }
    }

    /// nil when `path` is a regular file a reader may open; else what discovery reports for it: `.nothing` when
    /// nothing is there, `.rejected` for a folder, a FIFO, a socket or a device (opening one would block or never end).
    /// Only `stat`s the path.
    public static func regularFileCheck(path: String) -> Finding? {
        var st = stat()
        guard stat(path, &st) == 0 else {
            if errno == ENOENT || errno == ENOTDIR { return .nothing }  // also a dangling symbolic link
            return .rejected(WeightsError.unreadable(path: path, reason: String(cString: strerror(errno))).description)
        }
        do { try ModelLoader.requireRegularFile(path: path) } catch { return .rejected("\(error)") }
        return nil
    }
}
