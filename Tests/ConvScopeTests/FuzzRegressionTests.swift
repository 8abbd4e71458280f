import Foundation
import XCTest

/// Replays every fuzz seed and every input a fuzzer run kept (Tests/Fuzz/corpus/TARGET, Tests/Fuzz/crashes/TARGET)
/// through the normal build of ConvScopeFuzz, one process per file: each must exit 0 within the time limit. Readers
/// refusing an input is fine; a crash, a trap or a hang fails here until it is fixed. See Scripts/fuzz.
final class FuzzRegressionTests: XCTestCase {
    static let fuzzRoot = Fixtures.repo.appendingPathComponent("Tests/Fuzz")
    static let targets = ["image", "imageFile", "safetensors", "hdf5", "keras", "onnx"]
    /// Far above any reader's time on these small files; libFuzzer's own limit under Scripts/fuzz is 10 s.
    static let perFileTimeout: TimeInterval = 30

    static var replayer: URL {
        URL(fileURLWithPath: ProcessInfo.processInfo.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("ConvScopeFuzz")
    }

    func testEverySeedHasATarget() throws {
        let fm = FileManager.default
        let corpus = Self.fuzzRoot.appendingPathComponent("corpus")
        let folders = try fm.contentsOfDirectory(atPath: corpus.path).filter { !$0.hasPrefix(".") }
        XCTAssertEqual(Set(folders), Set(Self.targets), "Tests/Fuzz/corpus/ should hold one folder per fuzz target")
        for target in Self.targets {
            XCTAssertFalse(Self.files(target: target, kind: "corpus").isEmpty, "no seeds for \(target)")
        }
    }

    func testCorporaAndCrashesReplayWithoutCrashing() throws {
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: Self.replayer.path),
                      "\(Self.replayer.path) is missing: run swift build --build-tests")
        var replayed = 0
        for target in Self.targets {
            for file in Self.files(target: target, kind: "corpus") + Self.files(target: target, kind: "crashes") {
                replayed += 1
                let outcome = try Self.replay(target: target, file: file)
                XCTAssertNil(outcome, "ConvScopeFuzz \(target) \(file.path): \(outcome ?? "")")
            }
        }
        XCTAssertGreaterThan(replayed, 0)
    }

    /// The regular files in Tests/Fuzz/KIND/TARGET (README files and dotfiles aside), sorted.
    static func files(target: String, kind: String) -> [URL] {
        let dir = fuzzRoot.appendingPathComponent(kind).appendingPathComponent(target)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { !$0.hasPrefix(".") && $0 != "README.md" }.sorted().map { dir.appendingPathComponent($0) }
    }

    /// nil when the replay exited 0, else what went wrong (a signal, an exit status, a hang) and the end of its stderr.
    static func replay(target: String, file: URL) throws -> String? {
        let process = Process()
        process.executableURL = replayer
        process.arguments = [target, file.path]
        let errPipe = Pipe()
        process.standardError = errPipe
        process.standardOutput = FileHandle.nullDevice
        let done = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in done.signal() }
        try process.run()
        // Drain stderr while waiting, so a chatty child never blocks on a full pipe.
        let stderr = AppOutput()
        let reader = Thread { stderr.append(String(decoding: errPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)) }
        reader.start()
        if done.wait(timeout: .now() + perFileTimeout) == .timedOut {
            kill(process.processIdentifier, SIGKILL)
            done.wait()
            return "still running after \(Int(perFileTimeout)) s (a hang)"
        }
        while !reader.isFinished { usleep(1000) }
        let tail = String(stderr.value.suffix(2000))
        switch (process.terminationReason, process.terminationStatus) {
        case (.exit, 0): return nil
        case (.uncaughtSignal, let signal): return "killed by signal \(signal)\n\(tail)"
        case (_, let status): return "exit status \(status)\n\(tail)"
        }
    }
}
