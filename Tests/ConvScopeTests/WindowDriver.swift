import Foundation
import XCTest

/// What a launched app printed, collected from its pipe.
final class AppOutput: @unchecked Sendable {
    private let lock = NSLock()
    private var text = ""
    func append(_ s: String) {
        lock.lock()
        text += s
        lock.unlock()
    }
    var value: String {
        lock.lock()
        defer { lock.unlock() }
        return text
    }
}

/// Driving the real window under X: launch it, wait for its log lines, run xdotool, press keys until it reacts.
extension XCTestCase {
    /// Waits until the app's output holds `needle` `count` times (a second export's line, not the first's again).
    func waitFor(_ needle: String, in out: AppOutput, seconds: Double, count: Int = 1) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if out.value.components(separatedBy: needle).count > count { return true }
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

    /// Starts `convscope gui` on the sample image with `args`, its stdout and stderr collected, with settings in a
    /// fresh folder (so no test sees what another left), caches in the test run's own, and `environment` added.
    func launch(_ args: [String], environment: [String: String] = [:]) throws -> (Process, AppOutput) {
        let app = Process()
        app.executableURL = Fixtures.convscope
        app.arguments = ["gui", Fixtures.repo.appendingPathComponent("Assets/chelsea.png").path] + args
        var env = ProcessInfo.processInfo.environment
        env["XDG_CONFIG_HOME"] =
            FileManager.default.temporaryDirectory.appendingPathComponent("convscope-config-\(UUID().uuidString)").path
        // Caches (filter images, Mesa's shaders) in this test run's own folder, never the user's; a test that
        // needs an empty one passes its own.
        env["XDG_CACHE_HOME"] = TestCache.folder
        for (k, v) in environment { env[k] = v }
        app.environment = env
        let out = AppOutput()
        let pipe = Pipe()
        app.standardOutput = pipe
        app.standardError = pipe
        pipe.fileHandleForReading.readabilityHandler = { out.append(String(decoding: $0.availableData, as: UTF8.self)) }
        try app.run()
        return (app, out)
    }

    /// The app's window, moved to the screen's top-left corner so window points are screen pixels (for screenshots).
    func windowAtOrigin() throws -> String {
        let window =
            try tool(["xdotool", "search", "--name", "^ConvScope$"]).split(separator: "\n").first.map(String.init) ?? ""
        guard !window.isEmpty else { return window }
        _ = try tool(["xdotool", "windowmove", "--sync", window, "0", "0"])
        Thread.sleep(forTimeInterval: 0.3)
        return window
    }

    /// A real XDND drag source (Tests/Tools/dnd_source.py) offering `file`, its window at the screen's top-left.
    func dragSource(_ file: String) throws -> Process {
        let source = Process()
        source.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        source.arguments = [Fixtures.repo.appendingPathComponent("Tests/Tools/dnd_source.py").path, file]
        try source.run()
        Thread.sleep(forTimeInterval: 2)
        return source
    }

    /// Presses on the drag source and moves through `points` as a hand does, the button still held.
    func dragFromSource(over points: [(Int, Int)]) throws {
        _ = try tool(["xdotool", "mousemove", "40", "30", "mousedown", "1"])
        for (x, y) in points {
            _ = try tool(["xdotool", "mousemove", "\(x)", "\(y)"])
            Thread.sleep(forTimeInterval: 0.15)
        }
    }

    /// Presses `key` in `window` until the app logs `needle`; a key sent while the window is not yet focused is
    /// lost, so it focuses and tries again, three times.
    func press(
        _ key: String, in window: String, until needle: String, in out: AppOutput, seconds: Double, count: Int = 1
    ) throws -> Bool {
        for _ in 0..<3 {
            _ = try tool(["xdotool", "windowfocus", "--sync", window])
            _ = try tool(["xdotool", "key", key])
            if waitFor(needle, in: out, seconds: seconds, count: count) { return true }
        }
        return false
    }
}

/// One entry of the window's UI trace (`CONVSCOPE_UI_TRACE`).
struct TraceEntry: Decodable {
    let id: String, kind: String, label: String, value: String, rect: [Float]
    var x: Float { rect[0] }
    var y: Float { rect[1] }
    var w: Float { rect[2] }
    var h: Float { rect[3] }
    var centre: (Int, Int) { (Int(x + w / 2), Int(y + h / 2)) }
    func contains(_ o: TraceEntry) -> Bool {
        o.x >= x - 0.5 && o.y >= y - 0.5 && o.x + o.w <= x + w + 0.5 && o.y + o.h <= y + h + 0.5
    }
    func overlaps(_ o: TraceEntry) -> Bool { x < o.x + o.w && o.x < x + w && y < o.y + o.h && o.y < y + h }
}

extension XCTestCase {
    func readTrace(_ path: String) -> [TraceEntry] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        return (try? JSONDecoder().decode([TraceEntry].self, from: data)) ?? []
    }

    /// Waits until the trace holds an entry matching `match`, and returns it.
    func waitForEntry(_ path: String, seconds: Double, _ match: (TraceEntry, [TraceEntry]) -> Bool) -> TraceEntry? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            let t = readTrace(path)
            if let e = t.first(where: { match($0, t) }) { return e }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return nil
    }
}

/// One cache folder for the windows a test run starts, removed when the run ends.
enum TestCache {
    static let folder: String = {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("convscope-test-cache-\(getpid())")
            .path
        atexit { try? FileManager.default.removeItem(atPath: TestCache.folder) }
        return path
    }()
}
