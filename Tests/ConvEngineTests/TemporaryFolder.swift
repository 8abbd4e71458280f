import Foundation

/// A fresh folder under the system temp dir, removed when the test ends.
final class TemporaryFolder {
    let url: URL

    init(_ label: String = "convengine") throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    @discardableResult
    func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let p = path(name)
        try Data(bytes).write(to: URL(fileURLWithPath: p))
        return p
    }

    /// The first `count` bytes of `source` as a new file.
    func truncatedCopy(of source: String, keeping count: Int, as name: String) throws -> String {
        let data = try Data(contentsOf: URL(fileURLWithPath: source))
        precondition(count < data.count)
        return try write(name, [UInt8](data.prefix(count)))
    }
}
