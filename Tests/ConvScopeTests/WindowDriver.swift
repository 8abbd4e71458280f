import Foundation
import XCTest

/// What a launched app printed, collected from its pipe.
final class AppOutput: @unchecked Sendable {
    private let lock = NSLock()
    private var text = ""
    func append(_ s: String) { lock.lock(); text += s; lock.unlock() }
    var value: String { lock.lock(); defer { lock.unlock() }; return text }
}

/// Driving the real window under X: launch it, wait for its log lines, run xdotool, press keys until it reacts.
extension XCTestCase {
    func waitFor(_ needle: String, in out: AppOutput, seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if out.value.contains(needle) { return true }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return false
    }

    func tool(_ args: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = args
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    /// Starts `convscope gui` on the sample image with `args`, its stdout and stderr collected.
    func launch(_ args: [String]) throws -> (Process, AppOutput) {
        let app = Process()
        app.executableURL = Fixtures.convscope
        app.arguments = ["gui", Fixtures.repo.appendingPathComponent("Assets/chelsea.png").path] + args
        let out = AppOutput(), pipe = Pipe()
        app.standardOutput = pipe
        app.standardError = pipe
        pipe.fileHandleForReading.readabilityHandler = { out.append(String(decoding: $0.availableData, as: UTF8.self)) }
        try app.run()
        return (app, out)
    }

    /// Presses `key` in `window` until the app logs `needle`; a key sent while the window is not yet focused is
    /// lost, so it focuses and tries again, three times.
    func press(_ key: String, in window: String, until needle: String, in out: AppOutput, seconds: Double) throws -> Bool {
        for _ in 0..<3 {
            _ = try tool(["xdotool", "windowfocus", "--sync", window])
            _ = try tool(["xdotool", "key", key])
            if waitFor(needle, in: out, seconds: seconds) { return true }
        }
        return false
    }
}
