import Foundation
import Isolation

/// `ModelLoader.load` with every file read through libhdf5 (`.h5`, `.weights.h5`, `.keras`) parsed in a child process
/// (`IsolatedChild`): a crash, an endless loop or a runaway allocation in libhdf5 on a damaged or hostile file becomes
/// `WeightsError.hostile` and the caller carries on. Other formats (ONNX, safetensors) are parsed here by our own
/// bounds-checked Swift readers. Without `IsolatedChild.executable` (unit tests), everything is parsed here.
public enum IsolatedModelLoader {
    public static let mode = "load-model"
    /// This loader's entry in `ChildModes.runIfChild`.
    public static let childMode: ChildModes.Mode = (mode, childMain)

    public static func load(path: String, labels: String? = nil, preprocessing: Preprocessing? = nil) throws -> Model {
        try ModelLoader.finish(readModel(path: path), path: path, labels: labels, preprocessing: preprocessing)
    }

    /// The model in the file, as the file describes it: from `ModelCache.standard` when this file was read before,
    /// else through the child (and then kept there for the next start, in the background).
    public static func readModel(path: String) throws -> Model {
        if let early = ModelPrefetch.shared.take(path: path) { return try early.get() }
        return try readModelNow(path: path)
    }

    /// Starts reading `path` on a background thread (the window opens meanwhile); the first `readModel` of the same,
    /// unchanged file takes the result instead of reading it again.
    public static func prefetch(path: String) {
        ModelPrefetch.shared.start(path: path) { try readModelNow(path: path) }
    }

    static func readModelNow(path: String) throws -> Model {
        try ModelLoader.requireRegularFile(path: path)
        guard let executable = IsolatedChild.executable, ModelLoader.readsThroughHDF5(path: path) else {
            return try ModelLoader.readModel(path: path)
        }
        let size = try FileProbe.size(path: path)
        let cache = size >= ModelCache.minimumFileSize ? ModelCache.standard() : nil
        let stamp = ModelCache.stamp(source: path, loader: executable)
        if let cache, let stamp, case .success(let model) = cache.load(source: path, stamp: stamp) { return model }
        let result = try IsolatedChild.run(
            executable: executable, mode: mode, arguments: [path], limits: limits(fileSize: size))
        defer { close(result.answer) }
        let file = (path as NSString).lastPathComponent
        switch result.outcome {
        case .exited(0):
            let loaded = try ModelWire.read(fd: result.answer, at: 0, size: result.answerSize, file: file)
            if let cache, let stamp { CacheWriter.shared.store(cache, answer: result.answer, size: result.answerSize,
                                                                loaded: loaded, source: path, stamp: stamp) }
            return loaded.model
        case .exited(ChildAnswer.errorStatus):
            throw WeightsError.reported(
                ChildAnswer.readError(result.answer, size: result.answerSize) ?? "\(file): unreadable")
        case .exited(let code):
            throw WeightsError.hostile(
                file: file,
                detail: "its reader stopped with status \(code)"
                    + (result.stderrTail.isEmpty ? "" : " (\(result.stderrTail))"))
        case .signalled(let s):
            throw WeightsError.hostile(
                file: file, detail: "reading it crashed the HDF5 library (\(IsolatedChild.signalName(s)))")
        case .timedOut(let seconds):
            throw WeightsError.hostile(file: file, detail: "reading it did not finish in \(Int(seconds)) s")
        }
    }

    /// Time and address space for a file of `fileSize` bytes: a real VGG19 (548 MB) loads in about a second and needs
    /// about twice its size; a small file that asks for more is hostile.
    static func limits(fileSize: Int) -> IsolatedChild.Limits {
        let gb = Double(fileSize) / 1e9
        return IsolatedChild.Limits(seconds: 6 + 40 * gb, addressSpaceBytes: (1 << 30) + 3 * fileSize)
    }

    /// The child's side: loads `arguments[0]` here and writes the model (or the error) to the answer descriptor.
    /// Returns the exit status.
    public static func childMain(_ arguments: [String]) -> Int32 {
        guard let path = arguments.first else { return 2 }
        do {
            let model = try ModelLoader.readModel(path: path)
            try ModelWire.write(model, to: IsolatedChild.answerDescriptor)
            return 0
        } catch {
            ChildAnswer.writeError("\(error)")
            return ChildAnswer.errorStatus
        }
    }
}
