import Foundation
import Platform

/// What a dropped path is, from its content.
enum DroppedFile {
    case image, weights
    case problem(String)

    /// Opens only regular files (a dropped FIFO or device would block the window or never end) and reads 16 bytes.
    static func classify(_ path: String) -> DroppedFile {
        let name = (path as NSString).lastPathComponent
        let file: RegularFile
        do {
            file = try RegularFile(path: path)
        } catch ImageError.isDirectory {
            return .problem("\(name) is a folder: drop an image file")
        } catch ImageError.notRegularFile(_, let kind) {
            return .problem("\(name) is a \(kind), not an image or model file")
        } catch ImageError.symlinkLoop {
            return .problem("\(name) is a symbolic link loop, not an image or model file")
        } catch ImageError.unreadable(_, let reason) {
            return .problem("\(name): cannot be read (\(reason))")
        } catch {
            return .problem("\(name): no such file")
        }
        let head = file.prefix(16)
        if head.isEmpty { return .problem(file.size == 0 ? "\(name): the file is empty" : "\(name): cannot be read") }
        if ImageKind.sniff(head) != nil { return .image }
        if head.starts(with: [0x89, 0x48, 0x44, 0x46]) || (head.count > 8 && head[8] == UInt8(ascii: "{")) {
            return .weights
        }
        let ext = (name as NSString).pathExtension.lowercased()
        if head.starts(with: [0x50, 0x4B, 0x03, 0x04]) && ext == "keras" { return .weights }
        if ["h5", "hdf5", "safetensors", "keras", "onnx"].contains(ext) { return .weights }
        return .problem(
            "\(name): not an image ConvScope can read (PNG, JPEG, BMP, GIF, WebP or TIFF) nor a model file (.h5, .keras, .onnx, .safetensors)"
        )
    }
}
