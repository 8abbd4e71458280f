import Foundation

/// Class names from a file: one per line, a JSON list, or a JSON object name → index (Keras's `class_indices`).
public enum LabelsFile {
    /// The labels file beside a model, if any: `<stem>.labels.txt`, `labels.txt`, `class_indices.json`.
    public static func beside(model path: String) -> String? {
        let folder = (path as NSString).deletingLastPathComponent
        let stem = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        let names = ["\(stem).labels.txt", "labels.txt", "class_indices.json"]
        return names.map { (folder as NSString).appendingPathComponent($0) }.first {
            FileManager.default.fileExists(atPath: $0)
        }
    }

    /// Reads and checks the names: exactly `classes` of them, none empty, each index once.
    public static func read(path: String, classes: Int) throws -> [String] {
        let name = (path as NSString).lastPathComponent
        let size = try FileProbe.size(path: path)
        guard size <= 16 << 20 else {
            throw ModelError.labels(detail: "\(name) is \(size) bytes; a labels file is at most 16 MB")
        }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
        else {
            throw ModelError.labels(detail: "\(name) is not UTF-8 text")
        }
        var labels: [String]
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix("[") || trimmed.hasPrefix("{") {
            guard let json = try? JSONSerialization.jsonObject(with: data) else {
                throw ModelError.labels(detail: "\(name) is not valid JSON")
            }
            if let list = json as? [Any] {
                labels = try list.map { v -> String in
                    guard let s = v as? String else {
                        throw ModelError.labels(detail: "\(name): a JSON list of labels must hold strings")
                    }
                    return s
                }
            } else if let object = json as? [String: Any] {
                labels = [String](repeating: "", count: object.count)
                for (label, value) in object {
                    guard let i = value as? Int, labels.indices.contains(i), labels[i].isEmpty else {
                        throw ModelError.labels(
                            detail:
                                "\(name): \"\(label)\" has index \(value); indices must be 0…\(object.count - 1), each once"
                        )
                    }
                    labels[i] = label
                }
            } else {
                throw ModelError.labels(detail: "\(name): expected a JSON list or an object of name → index")
            }
        } else {
            labels = trimmed.split(separator: "\n", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
        }
        guard labels.count == classes else {
            throw ModelError.labels(
                detail: "\(name) has \(labels.count) labels, the model's head has \(classes) classes")
        }
        if let empty = labels.firstIndex(where: \.isEmpty) {
            throw ModelError.labels(detail: "\(name): label \(empty) is empty")
        }
        return labels
    }
}
