import Foundation

/// Finds font files: fontconfig first (`fc-match -f '%{file}' FAMILY`), then the usual Debian/Ubuntu path.
/// Results are remembered for the life of the process.
enum FontLocator {
    private static var found: [String: [String]] = [:]
    private static let lock = NSLock()

    /// Candidate files for `family`, best first, each an existing regular file.
    static func candidates(family: String, fallbacks: [String]) -> [String] {
        lock.lock()
        defer { lock.unlock() }
        if let c = found[family] { return c }
        var list: [String] = []
        if let p = fcMatch(family) { list.append(p) }
        for p in fallbacks where !list.contains(p) { list.append(p) }
        let existing = list.filter { isFile($0) }
        found[family] = existing
        return existing
    }

    private static func isFile(_ p: String) -> Bool {
        var dir: ObjCBool = false
        return FileManager.default.fileExists(atPath: p, isDirectory: &dir) && !dir.boolValue
    }

    private static func fcMatch(_ family: String) -> String? {
        let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map(
            String.init)
        guard
            let exe = (dirs + ["/usr/bin"]).map({ $0 + "/fc-match" }).first(where: {
                FileManager.default.isExecutableFile(atPath: $0)
            })
        else { return nil }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = ["-f", "%{file}", family]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return nil }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { return nil }
        let path = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return path.isEmpty ? nil : path
    }
}
