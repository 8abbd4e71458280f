import ConvEngine
import Foundation
import XCTest

/// A fresh folder under the system's temporary folder, removed when the test ends.
final class TemporaryFolder {
    let path: String
    init() {
        var template = Array((NSTemporaryDirectory() + "/weightsstore-XXXXXX").utf8CString)
        path = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }

    @discardableResult
    func folder(_ relative: String) -> String {
        let p = path + "/" + relative
        try! FileManager.default.createDirectory(atPath: p, withIntermediateDirectories: true)
        return p
    }

    @discardableResult
    func write(_ relative: String, _ data: Data) -> String {
        let p = path + "/" + relative
        folder((relative as NSString).deletingLastPathComponent)
        _ = FileManager.default.createFile(atPath: p, contents: data)
        return p
    }
}

/// safetensors files with VGG16's real names, dtypes and shapes, as torchvision writes them. The data is a sparse
/// hole of zeros (the probe reads only the header), so even a 553 MB full file costs no disk space or time.
enum SafetensorsFixture {
    enum Classifier { case none, torchvision, timm, partial }

    static func tensors(classifier: Classifier, wrongShape: String? = nil) -> [(String, [Int])] {
        let widths = [64, 64, 128, 128, 256, 256, 256, 512, 512, 512, 512, 512, 512]
        let features = [0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28]
        var list: [(String, [Int])] = []
        for (i, (cin, cout)) in zip([3] + widths.dropLast(), widths).enumerated() {
            list.append(("features.\(features[i]).weight", [cout, cin, 3, 3]))
            list.append(("features.\(features[i]).bias", [cout]))
        }
        switch classifier {
        case .none: break
        case .torchvision:
            list += [
                ("classifier.0.weight", [4096, 25088]), ("classifier.0.bias", [4096]),
                ("classifier.3.weight", [4096, 4096]), ("classifier.3.bias", [4096]),
                ("classifier.6.weight", [1000, 4096]), ("classifier.6.bias", [1000]),
            ]
        case .timm:
            list += [
                ("pre_logits.fc1.weight", [4096, 512, 7, 7]), ("pre_logits.fc1.bias", [4096]),
                ("pre_logits.fc2.weight", [4096, 4096, 1, 1]), ("pre_logits.fc2.bias", [4096]),
                ("head.fc.weight", [1000, 4096]), ("head.fc.bias", [1000]),
            ]
        case .partial:
            list += [("classifier.0.weight", [4096, 25088]), ("classifier.0.bias", [4096])]
        }
        if let wrong = wrongShape, let i = list.firstIndex(where: { $0.0 == wrong }) {
            list[i].1 = list[i].1.map { $0 == 3 ? 5 : $0 }
        }
        return list
    }

    @discardableResult
    static func write(_ path: String, classifier: Classifier, wrongShape: String? = nil) -> String {
        try! FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        var offset = 0
        var fields: [String] = []
        for (name, shape) in tensors(classifier: classifier, wrongShape: wrongShape) {
            let bytes = shape.reduce(4, *)
            fields.append(
                "\"\(name)\":{\"dtype\":\"F32\",\"shape\":[\(shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(offset + bytes)]}"
            )
            offset += bytes
        }
        var header = Array(("{" + fields.joined(separator: ",") + "}").utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        var data = Data()
        var n = UInt64(header.count).littleEndian
        withUnsafeBytes(of: &n) { data.append(contentsOf: $0) }
        data.append(contentsOf: header)
        _ = FileManager.default.createFile(atPath: path, contents: data)
        let fh = FileHandle(forWritingAtPath: path)!
        try! fh.truncate(atOffset: UInt64(data.count + offset))
        try! fh.close()
        return path
    }
}

func randomData(_ count: Int, seed: UInt64) -> Data {
    var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
    var bytes = [UInt8](repeating: 0, count: count)
    for i in 0..<count {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        bytes[i] = UInt8(truncatingIfNeeded: state)
    }
    return Data(bytes)
}
