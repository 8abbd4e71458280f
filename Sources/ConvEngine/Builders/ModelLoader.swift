import Foundation

/// Any model file → a `Model`, the format detected from the content: Keras weights-only HDF5 and Keras 3
/// `.weights.h5` (VGG presets), Keras full-model `.h5` and `.keras`, ONNX, and torchvision/timm safetensors.
/// Labels given or found beside the file name the classes; a preprocessing given replaces the model's own.
public enum ModelLoader {
    public enum FileKind: String, Sendable {
        case kerasWeights = "Keras HDF5 weights"
        case kerasModelH5 = "Keras HDF5 model"
        case kerasArchive = "Keras .keras"
        case safetensors = "safetensors"
        case onnx = "ONNX"
    }

    public static func load(path: String, labels: String? = nil, preprocessing: Preprocessing? = nil) throws -> Model {
        try finish(readModel(path: path), path: path, labels: labels, preprocessing: preprocessing)
    }

    /// The model in the file, as the file describes it (no labels file, its own preprocessing).
    public static func readModel(path: String) throws -> Model {
        var model: Model
        switch try detect(path: path) {
        case .kerasWeights: model = try KerasWeightsPreset.load(HDF5File(path: path))
        case .kerasModelH5, .kerasArchive: model = try KerasModelBuilder.load(path: path)
        case .safetensors: model = try TorchvisionPreset.load(SafetensorsFile(path: path))
        case .onnx: model = try ONNXModelBuilder.load(path: path)
        }
        model.sourceName = (path as NSString).lastPathComponent
        return model
    }

    /// Names the classes (labels given, or found beside the file) and replaces the preprocessing when one is given.
    public static func finish(
        _ model: Model, path: String, labels: String?, preprocessing: Preprocessing?
    ) throws -> Model {
        var model = model
        if let labelsPath = labels ?? (model.hasClassifier ? LabelsFile.beside(model: path) : nil) {
            try model.setClassNames(LabelsFile.read(path: labelsPath, classes: model.classes))
        }
        if let preprocessing { model.preprocessing = preprocessing }
        return model
    }

    /// Whether reading `path` goes through libhdf5 (an HDF5 file, or a zip such as `.keras` holding one): libhdf5 is not
    /// built for hostile files, so such files are best read in a child process (`IsolatedModelLoader`).
    public static func readsThroughHDF5(path: String) -> Bool {
        guard let head = try? FileProbe.head(path: path, count: 4096) else { return false }
        return HDF5File.hasSignature(head) || head.starts(with: [0x50, 0x4B, 0x03, 0x04])
    }

    /// Throws unless `path` is a regular file (a FIFO, socket or device would block a reader or never end). Only `stat`s
    /// the path: nothing is opened. Discovery, the probe and every reader go through this before touching a file.
    public static func requireRegularFile(path: String) throws { _ = try FileProbe.size(path: path) }

    /// The file's kind from its first bytes (HDF5 and zip signatures, a safetensors header, an ONNX protobuf).
    public static func detect(path: String) throws -> FileKind {
        let name = (path as NSString).lastPathComponent
        let head = try FileProbe.head(path: path, count: 4096)
        if HDF5File.hasSignature(head) {
            let file = try HDF5File(path: path)
            let hasConfig: Bool
            do { hasConfig = try file.stringsAttribute("model_config", of: "/") != nil } catch { hasConfig = true }
            return hasConfig ? .kerasModelH5 : .kerasWeights
        }
        if head.starts(with: [0x50, 0x4B, 0x03, 0x04]) { return .kerasArchive }
        if SafetensorsFile.looksLikeSafetensors(head, fileSize: try FileProbe.size(path: path)) { return .safetensors }
        // An ONNX ModelProto starts with field 1 (ir_version, varint): 0x08.
        if path.lowercased().hasSuffix(".onnx") || head.first == 0x08 { return .onnx }
        throw WeightsError.unknownFormat(file: name)
    }
}

/// Safe first looks at a path: a regular file (never a FIFO or device, which would block or never end), its size,
/// and its first bytes, without reading the rest. Every reader is handed a path only after `size(path:)` (through
/// `ModelLoader.detect`) has said it is a regular file.
enum FileProbe {
    /// What a file that is not a regular file is, for the message.
    static func kindName(_ mode: mode_t) -> String? {
        switch mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFIFO: return "a named pipe (FIFO)"
        case S_IFSOCK: return "a socket"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        default: return "not a regular file"
        }
    }

    static func notRegular(_ path: String, _ kind: String) -> WeightsError {
        .unreadable(path: path, reason: "\(kind), not a regular file; give a model file")
    }

    static func size(path: String) throws -> Int {
        var st = stat()
        guard stat(path, &st) == 0 else {
            if errno == ENOENT { throw WeightsError.notFound(path: path) }
            throw WeightsError.unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        if (st.st_mode & S_IFMT) == S_IFDIR { throw WeightsError.isDirectory(path: path) }
        if let kind = kindName(st.st_mode) { throw notRegular(path, kind) }
        return Int(st.st_size)
    }

    static func head(path: String, count: Int) throws -> Data {
        _ = try size(path: path)
        // Non-blocking, and checked again on the open file: a FIFO swapped in after the stat is refused, never waited on.
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY)
        guard fd >= 0 else { throw WeightsError.unreadable(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            throw WeightsError.unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        if (st.st_mode & S_IFMT) == S_IFDIR { throw WeightsError.isDirectory(path: path) }
        if let kind = kindName(st.st_mode) { throw notRegular(path, kind) }
        let size = Int(st.st_size)
        guard size > 0 else {
            throw WeightsError.truncated(file: (path as NSString).lastPathComponent, detail: "the file is empty")
        }
        var buf = [UInt8](repeating: 0, count: min(count, size))
        let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
        guard n >= 0 else { throw WeightsError.unreadable(path: path, reason: String(cString: strerror(errno))) }
        return Data(buf.prefix(n))
    }
}
