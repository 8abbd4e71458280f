import Foundation
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

/// `convscope predict` given files built to hurt an image loader, and paths that are not files: each run must exit 1
/// with one line on stderr naming the file, within 10 s, using under 1 GB. The executable is started under GNU time
/// with posix_spawn and reaped with wait4, so a hang is killed at the deadline (and fails the test) and the child's
/// own peak memory is known.
final class HostileInputTests: XCTestCase {
    struct Run {
        let status: Int32?
        let stdout: String
        let stderr: String
        let seconds: Double
        let maxRSS: Int
    }
    static let hostile = Fixtures.repo.appendingPathComponent("Tests/PlatformTests/Fixtures/hostile")
    static let model = Fixtures.repo.appendingPathComponent("Tests/Models/vgg16_finetuned/model.keras").path
    static let deadline: Double = 10
    var tmp: URL!

    override func setUpWithError() throws {
        tmp = FileManager.default.temporaryDirectory.appendingPathComponent(
            "convscope-hostile-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: tmp) }

    /// Runs convscope with stdin from /dev/null and stdout, stderr into files; killed when it outlives the deadline.
    func convscope(_ args: [String], env extra: [String: String] = [:]) throws -> Run {
        let out = tmp.appendingPathComponent("stdout-\(UUID().uuidString)").path
        let err = tmp.appendingPathComponent("stderr-\(UUID().uuidString)").path
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, err, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        // GNU time forks the executable from its own small process and reports that child's peak memory (%M, KB).
        // Spawned straight from this test process, the child's ru_maxrss would start from ours (Linux keeps the old
        // address space's high-water mark across exec), which other tests may have grown past 1 GB.
        let exe = Fixtures.convscope.path
        let peak = tmp.appendingPathComponent("peak-\(UUID().uuidString)").path
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "CONVSCOPE_WEIGHTS")
        env.merge(extra) { $1 }
        let argv: [UnsafeMutablePointer<CChar>?] =
            (["/usr/bin/time", "-f", "%M", "-o", peak, exe] + args).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))  // its own group: a hang is killed whole
        posix_spawnattr_setpgroup(&attributes, 0)
        var pid: pid_t = 0
        let start = Date()
        let spawned = posix_spawn(&pid, "/usr/bin/time", &actions, &attributes, argv, envp)
        guard spawned == 0 else { throw NSError(domain: "spawn", code: Int(spawned)) }
        var status: Int32 = 0
        var usage = rusage()
        var finished = false
        while Date().timeIntervalSince(start) < Self.deadline {
            let r = wait4(pid, &status, WNOHANG, &usage)
            if r == pid {
                finished = true
                break
            }
            if r < 0 && errno != EINTR { break }
            usleep(10_000)
        }
        if !finished {
            kill(-pid, SIGKILL)
            _ = wait4(pid, &status, 0, &usage)
        }
        let seconds = Date().timeIntervalSince(start)
        let exited = status & 0x7F == 0
        let stderr = (try? String(contentsOfFile: err, encoding: .utf8)) ?? ""
        let stdout = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
        let peakKB =
            (try? String(contentsOfFile: peak, encoding: .utf8))?.split(separator: "\n").last.flatMap { Int($0) } ?? Int
            .max / 1024
        return Run(
            status: finished && exited ? (status >> 8) & 0xFF : nil, stdout: stdout, stderr: stderr, seconds: seconds,
            maxRSS: peakKB * 1024)
    }

    func assertRefused(_ image: String, saying text: String, file: StaticString = #filePath, line: UInt = #line) throws
    {
        let r = try convscope(["predict", image, "--weights", Self.model])
        print(
            "convscope predict \((image as NSString).lastPathComponent): exit \(r.status.map(String.init) ?? "none (killed)"), "
                + "\(String(format: "%.2f", r.seconds)) s, max RSS \(r.maxRSS >> 20) MB: \(r.stderr.trimmingCharacters(in: .newlines))"
        )
        XCTAssertEqual(r.status, 1, "\(image): \(r.stderr)", file: file, line: line)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, "stderr: \(r.stderr)", file: file, line: line)
        XCTAssertTrue(
            r.stderr.hasPrefix("convscope: ") && r.stderr.contains((image as NSString).lastPathComponent)
                && r.stderr.contains(text),
            "stderr: \(r.stderr)", file: file, line: line)
        XCTAssertLessThan(r.seconds, Self.deadline, file: file, line: line)
        XCTAssertLessThan(r.maxRSS, 1 << 30, "max RSS \(r.maxRSS >> 20) MB", file: file, line: line)
    }

    func testPredict_OverflowingPNGHeaderIsOneLineNotACrash() throws {
        try assertRefused(Self.hostile.appendingPathComponent("x.png").path, saying: "the PNG data is damaged")
    }

    func testPredict_GIFFrameLargerThanItsScreenIsRefusedBeforeDecoding() throws {
        try assertRefused(Self.hostile.appendingPathComponent("bomb.gif").path, saying: "over the 100-megapixel limit")
    }

    func testPredict_TIFFWithDuplicateWidthTagsIsRefused() throws {
        try assertRefused(Self.hostile.appendingPathComponent("twice.tiff").path, saying: "the TIFF data is damaged")
    }

    func testPredict_FIFOIsRefusedWithoutBlocking() throws {
        let fifo = tmp.appendingPathComponent("x.png").path
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        try assertRefused(fifo, saying: "is a FIFO (named pipe), not an image file")
    }

    func testPredict_Sparse2GBFileIsRefusedUnread() throws {
        let big = tmp.appendingPathComponent("big.png").path
        XCTAssertTrue(
            FileManager.default.createFile(
                atPath: big, contents: Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])))
        XCTAssertEqual(truncate(big, 2 << 30), 0)
        try assertRefused(big, saying: "too large for an image")
    }

    func testPredict_DevZeroIsRefused() throws {
        try assertRefused("/dev/zero", saying: "is a character device, not an image file")
    }

    func testPredict_SymlinkLoopSaysSo() throws {
        let a = tmp.appendingPathComponent("loop.png").path
        try FileManager.default.createSymbolicLink(atPath: a, withDestinationPath: a)
        try assertRefused(a, saying: "symbolic link loop")
    }

    /// The fuzzer's GIFs that crash SDL2_image's decoder: the decoder child dies, the command says so in one line.
    /// (The kept out-of-memory find is refused as a damaged GIF.)
    func testPredict_ImagesThatCrashTheDecoderEndInItsChild() throws {
        for kind in ["image", "imageFile"] {
            for find in FuzzRegressionTests.files(target: kind, kind: "crashes") {
                let gif = tmp.appendingPathComponent(find.lastPathComponent + ".gif")
                try FileManager.default.copyItem(at: find, to: gif)
                // crash-…: SDL2_image crashes on it; oom-… (over libFuzzer's memory limit under the sanitizer) is refused.
                let reason =
                    find.lastPathComponent.hasPrefix("crash-")
                    ? "damaged or hostile image: decoding it crashed the image library" : "GIF"
                try assertRefused(gif.path, saying: reason)
            }
        }
    }

    /// The fuzzer's finds in libhdf5 (SIGSEGVs, an endless loop), given as weights: the child that parses them dies, is
    /// stopped or reports libhdf5's error, and the command says so in one line.
    func testPredict_HostileHDF5WeightsEndInTheirChild() throws {
        let image = Self.hostile.deletingLastPathComponent().appendingPathComponent("pattern.png").path
        let finds = FuzzRegressionTests.files(target: "hdf5", kind: "crashes")
        XCTAssertGreaterThanOrEqual(finds.count, 2)
        for find in finds {
            let weights = tmp.appendingPathComponent(find.lastPathComponent + ".h5")
            try FileManager.default.copyItem(at: find, to: weights)
            let r = try convscope(["predict", image, "--weights", weights.path])
            print(
                "convscope predict --weights \(weights.lastPathComponent): exit \(r.status.map(String.init) ?? "none (killed)"), "
                    + "\(String(format: "%.2f", r.seconds)) s, max RSS \(r.maxRSS >> 20) MB: \(r.stderr.trimmingCharacters(in: .newlines))"
            )
            XCTAssertEqual(r.status, 1, r.stderr)
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
            // A crash or a limit in the child, or (outside AddressSanitizer, a bad read need not fault) libhdf5's own error.
            let name = weights.lastPathComponent
            XCTAssertTrue(
                r.stderr.contains("\(name): damaged or hostile file")
                    || r.stderr.contains("\(name): damaged or not a model ConvScope reads"), r.stderr)
            XCTAssertLessThan(r.seconds, Self.deadline)
            XCTAssertLessThan(r.maxRSS, 1 << 30)
        }
    }

    /// A hostile `.h5` left in the data folder is listed as skipped, with the reason, and the rest of discovery goes on.
    func testWeights_HostileFileInTheDataFolderIsListedNotFatal() throws {
        let data = tmp.appendingPathComponent("data")
        let folder = data.appendingPathComponent("convscope/weights")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let finds = FuzzRegressionTests.files(target: "hdf5", kind: "crashes")
        for find in finds {
            try FileManager.default.copyItem(
                at: find, to: folder.appendingPathComponent(find.lastPathComponent + ".h5"))
        }
        let good = folder.appendingPathComponent("flowers.keras")
        try FileManager.default.copyItem(atPath: Self.model, toPath: good.path)
        let r = try convscope(["weights"], env: ["XDG_DATA_HOME": data.path, "HOME": tmp.path])
        print(
            "convscope weights with hostile files in the data folder: exit \(r.status.map(String.init) ?? "none"), "
                + "\(String(format: "%.2f", r.seconds)) s")
        XCTAssertNotNil(r.status, "finished")
        XCTAssertLessThan(r.seconds, 2 * Self.deadline)
        let out = r.stdout + r.stderr
        // Every find is skipped with a reason: most crash or hang their reader, some only make libhdf5 refuse them.
        XCTAssertEqual(out.components(separatedBy: ": skipped: ").count - 1, finds.count, out)
        XCTAssertGreaterThanOrEqual(out.components(separatedBy: "damaged or hostile file").count - 1, 2, out)
        XCTAssertTrue(out.contains("flowers.keras"), out)
    }
}
