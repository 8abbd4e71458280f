import Foundation
import WeightsStore
import XCTest

/// The real `convscope` executable, run as a user would, with a bounded wait.
enum CLI {
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
        let seconds: TimeInterval
        let killed: Bool
    }

    /// The test runner (…PackageTests.xctest) sits in .build/<config>/, the executable beside it.
    static var executable: String {
        URL(fileURLWithPath: ProcessInfo.processInfo.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("convscope").path
    }

    /// The environment for a run: this one without any weights settings, plus `env`.
    static func environment(_ env: [String: String]) -> [String: String] {
        var e = ProcessInfo.processInfo.environment
        for k in ["CONVSCOPE_WEIGHTS", "XDG_DATA_HOME"] { e.removeValue(forKey: k) }
        for (k, v) in env { e[k] = v }
        return e
    }

    /// Starts `convscope args` with its output going to files in `folder`.
    static func start(
        _ args: [String], env: [String: String], in folder: String, tag: String = "run"
    ) throws -> (Process, String, String) {
        let out = folder + "/\(tag).stdout"
        let err = folder + "/\(tag).stderr"
        FileManager.default.createFile(atPath: out, contents: nil)
        FileManager.default.createFile(atPath: err, contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = args
        p.environment = environment(env)
        p.currentDirectoryURL = URL(fileURLWithPath: folder)
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = FileHandle(forWritingAtPath: out)
        p.standardError = FileHandle(forWritingAtPath: err)
        try p.run()
        return (p, out, err)
    }

    /// Runs `convscope args` to the end, killing it after `timeout` seconds.
    static func run(
        _ args: [String], env: [String: String], in folder: String, timeout: TimeInterval = 20,
        tag: String = "run"
    ) throws -> Result {
        let started = Date()
        let (p, out, err) = try start(args, env: env, in: folder, tag: tag)
        let killed = wait(p, timeout: timeout)
        return Result(
            status: p.terminationStatus,
            stdout: (try? String(contentsOfFile: out, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: err, encoding: .utf8)) ?? "",
            seconds: Date().timeIntervalSince(started), killed: killed)
    }

    /// Waits for `p` at most `timeout` seconds; kills it (SIGKILL) after that. True when it had to be killed.
    @discardableResult
    static func wait(_ p: Process, timeout: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while p.isRunning && Date() < deadline { usleep(10_000) }
        guard p.isRunning else {
            p.waitUntilExit()
            return false
        }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        return true
    }
}

/// Makes a FIFO; fails the test when it cannot.
@discardableResult
func makeFIFO(_ path: String, file: StaticString = #filePath, line: UInt = #line) -> String {
    try? FileManager.default.createDirectory(
        atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    XCTAssertEqual(
        mkfifo(path, 0o644), 0, "mkfifo \(path): \(String(cString: strerror(errno)))", file: file, line: line)
    return path
}

/// Runs `body` on another thread and waits at most `seconds`. Should the body block on the FIFO (the bug under test),
/// the FIFO is opened for writing and closed, which gives a blocked reader its end of file, and the test fails instead
/// of hanging.
func withinDeadline<T>(
    _ seconds: TimeInterval, unblocking fifo: String, file: StaticString = #filePath, line: UInt = #line,
    _ body: @escaping () -> T
) -> T? {
    let box = ResultBox<T>()
    let thread = Thread {
        box.value = body()
        box.done.signal()
    }
    thread.start()
    if box.done.wait(timeout: .now() + seconds) == .success { return box.value }
    XCTFail("still running after \(seconds) s: blocked on the FIFO \(fifo)", file: file, line: line)
    for _ in 0..<50 {  // bounded: unblock a reader stuck in open() or read()
        let fd = open(fifo, O_WRONLY | O_NONBLOCK)
        if fd >= 0 { close(fd) }
        if box.done.wait(timeout: .now() + 0.1) == .success { return box.value }
    }
    return nil
}

final class ResultBox<T>: @unchecked Sendable {
    var value: T?
    let done = DispatchSemaphore(value: 0)
}

func md5Hex(_ data: Data) -> String { Digest.hex(.md5, of: data) }
func sha256Hex(_ data: Data) -> String { Digest.hex(.sha256, of: data) }

func fileSizeOf(_ path: String) -> Int? {
    (try? FileManager.default.attributesOfItem(atPath: path))?[.size].flatMap { ($0 as? NSNumber)?.intValue }
}

/// Polls `condition` every 10 ms for at most `seconds`.
@discardableResult
func eventually(_ seconds: TimeInterval, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        usleep(10_000)
    }
    return condition()
}
