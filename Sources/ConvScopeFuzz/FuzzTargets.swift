import ConvEngine
import Foundation
import Platform

/// The fuzz targets: each takes arbitrary bytes through one reader. Throwing is the expected answer to bad input;
/// only a crash (a trap, a sanitizer report, a signal) is a finding.
enum FuzzTarget: String, CaseIterable {
    case image          // ImageFile.decode: magic sniffing, the header checks, then SDL2_image's decoder
    case imageFile      // ImageFile.load(path:): the same from a regular file (RegularFile, FileBytes)
    case safetensors    // ModelLoader.load on a .safetensors file
    case hdf5           // ModelLoader.load on an .h5 file (Keras weights or full model, through libhdf5)
    case keras          // ModelLoader.load on a .keras zip
    case onnx           // ModelLoader.load on a .onnx protobuf

    var fileExtension: String {
        switch self {
        case .image: return "bin"
        case .imageFile: return "img"
        case .safetensors: return "safetensors"
        case .hdf5: return "h5"
        case .keras: return "keras"
        case .onnx: return "onnx"
        }
    }

    /// One scratch file per target and process, rewritten for every input (the model readers want a path).
    var scratchPath: String {
        let dir = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        return (dir as NSString).appendingPathComponent("convscope-fuzz-\(getpid())-\(rawValue).\(fileExtension)")
    }

    static func named(_ name: String) -> FuzzTarget? {
        FuzzTarget(rawValue: name) ?? allCases.first { $0.rawValue.lowercased() == name.lowercased() }
    }
}

private var scratchFiles: [FuzzTarget: String] = [:]

/// Runs one input through `target`. Errors are swallowed: they are the readers refusing the input.
func fuzzOne(target: FuzzTarget, data: Data) {
    #if FUZZING
    // Under libFuzzer the readers run in this process: a crash is the finding.
    switch target {
    case .image:
        _ = try? ImageFile.decode([UInt8](data), name: "fuzz")
    case .imageFile:
        guard let path = write(data, for: target) else { return }
        _ = try? ImageFile.load(path: path)
    case .safetensors, .hdf5, .keras, .onnx:
        guard let path = write(data, for: target) else { return }
        _ = try? ModelLoader.load(path: path)
    }
    #else
    // A replay goes the way the app goes: images are decoded and files libhdf5 reads are parsed in a child process, so
    // a crash there is an error the app reports, not a crash of the replay.
    guard let path = write(data, for: target) else { return }
    switch target {
    case .image, .imageFile: _ = try? IsolatedImageDecoder.shared.load(path: path)
    case .safetensors, .hdf5, .keras, .onnx: _ = try? IsolatedModelLoader.load(path: path)
    }
    #endif
}

private func write(_ data: Data, for target: FuzzTarget) -> String? {
    let path = scratch(target)
    return FileManager.default.createFile(atPath: path, contents: data) ? path : nil
}

private func scratch(_ target: FuzzTarget) -> String {
    if let p = scratchFiles[target] { return p }
    let p = target.scratchPath
    scratchFiles[target] = p
    return p
}

/// Removes this process's scratch files.
func removeScratchFiles() {
    for p in scratchFiles.values { unlink(p) }
}
