import ArgumentParser
import Foundation
import Platform

/// The images named on the command line: files as given, folders' images in name order.
enum ExplainInputs {
    static let extensions: Set<String> = ["png", "jpg", "jpeg", "bmp", "gif", "webp", "tif", "tiff"]

    static func images(_ inputs: [String]) throws -> [String] {
        var result: [String] = []
        for input in inputs {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: input, isDirectory: &isDirectory) else {
                throw ImageError.notFound(path: input)
            }
            guard isDirectory.boolValue else {
                result.append(input)
                continue
            }
            let names = try FileManager.default.contentsOfDirectory(atPath: input).sorted()
            result += names.filter { extensions.contains(($0 as NSString).pathExtension.lowercased()) }
                .map { (input as NSString).appendingPathComponent($0) }
        }
        guard !result.isEmpty else { throw ValidationError("no images in \(inputs.joined(separator: ", "))") }
        return result
    }
}
