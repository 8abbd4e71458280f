import Foundation

/// Runs a helper program with its output captured to a file, polling for cancellation.
enum Subprocess {
    struct Result {
        let status: Int32
        let output: String
    }

    static func run(
        _ arguments: [String], workingDirectory: String? = nil, logFile: String,
        isCancelled: () -> Bool
    ) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        if let workingDirectory { process.currentDirectoryURL = URL(fileURLWithPath: workingDirectory) }
        _ = FileManager.default.createFile(atPath: logFile, contents: nil)
        guard let log = FileHandle(forWritingAtPath: logFile) else {
            throw FetchError.folderNotWritable(
                folder: (logFile as NSString).deletingLastPathComponent, reason: "cannot create \(logFile)")
        }
        defer { try? log.close() }
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch {
            throw FetchError.toolFailed(tool: arguments.first ?? "?", detail: "cannot start: \(error)")
        }
        while process.isRunning {
            if isCancelled() {
                process.terminate()
                process.waitUntilExit()
                throw FetchError.cancelled(partial: nil)
            }
            usleep(50_000)
        }
        process.waitUntilExit()
        let output = (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? ""
        return Result(status: process.terminationStatus, output: output)
    }

    /// The last lines of a tool's output, for an error message.
    static func tail(_ output: String, lines: Int = 3) -> String {
        output.split(whereSeparator: \.isNewline).suffix(lines).joined(separator: " / ")
    }
}
