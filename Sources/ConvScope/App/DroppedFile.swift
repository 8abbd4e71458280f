import Foundation
import Platform

/// What a dropped path is, from its content.
enum DroppedFile {
    case image, weights, problem(String)

    static func classify(_ path: String) -> DroppedFile {
        let name = (path as NSString).lastPathComponent
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { return .problem("\(name): no such file") }
        if isDir.boolValue { return .problem("\(name) is a folder: drop an image file") }
        guard let fh = FileHandle(forReadingAtPath: path) else { return .problem("\(name): cannot be read") }
        let head = [UInt8]((try? fh.read(upToCount: 16)) ?? Data())
        try? fh.close()
        if head.isEmpty { return .problem("\(name): the file is empty") }
        if ImageKind.sniff(head) != nil { return .image }
        if head.starts(with: [0x89, 0x48, 0x44, 0x46]) || (head.count > 8 && head[8] == UInt8(ascii: "{")) { return .weights }
        let ext = (name as NSString).pathExtension.lowercased()
        if head.starts(with: [0x50, 0x4B, 0x03, 0x04]) && ext == "keras" { return .weights }
        if ["h5", "hdf5", "safetensors", "keras", "onnx"].contains(ext) { return .weights }
        return .problem("\(name): not an image ConvScope can read (PNG, JPEG, BMP, GIF, WebP or TIFF) nor a model file (.h5, .keras, .onnx, .safetensors)")
    }
}
