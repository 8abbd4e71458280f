import Foundation
import XCTest

/// What a `convscope` run printed and how it ended.
struct CLIResult { let status: Int32; let stdout: String; let stderr: String }

extension XCTestCase {
    /// Runs the executable as a user would, with `env` added and `$CONVSCOPE_WEIGHTS` removed (so no test picks up
    /// the runner's own), optionally from `folder`; waits for it and collects both streams.
    func runConvscope(_ args: [String], env: [String: String] = [:], executable: URL = Fixtures.convscope,
                      in folder: URL? = nil) throws -> CLIResult {
        let p = Process()
        p.executableURL = executable
        if let folder { p.currentDirectoryURL = folder }
        p.arguments = args
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "CONVSCOPE_WEIGHTS")
        // Caches (models, filter images, digests) in this test run's own folder, never the user's.
        environment["XDG_CACHE_HOME"] = TestCache.folder
        for (k, v) in env { environment[k] = v }
        p.environment = environment
        let out = Pipe(), err = Pipe()
        p.standardOutput = out; p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return CLIResult(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
                         stderr: String(decoding: e, as: UTF8.self))
    }
}
