import ConvEngine
import Foundation
import XCTest

@testable import WeightsStore

/// A FIFO where a model file is expected (`--weights`, `$CONVSCOPE_WEIGHTS`, a stray `*.h5` in the data folder) is
/// refused by `stat` before anything opens it: nothing blocks, and the reason is said once.
final class FIFOTests: XCTestCase {
    private var tmp: TemporaryFolder!
    private var home: String { tmp.path + "/home" }
    private var xdg: String { tmp.path + "/xdg" }
    private var data: String { xdg + "/convscope/weights" }
    private let reason = "a named pipe (FIFO), not a regular file"

    override func setUp() {
        tmp = TemporaryFolder()
        tmp.folder("home")
        tmp.folder("repo/Weights")
    }

    override func tearDown() { tmp = nil }

    /// Discovery whose probe records every path it is handed (it must never be handed a FIFO).
    private func discovery(explicit: String? = nil, env: [String: String] = [:], probed: ProbeLog) -> WeightsDiscovery {
        var e = env
        e["XDG_DATA_HOME"] = xdg
        return WeightsDiscovery(
            explicit: explicit, environment: e, home: home, repoWeightsFolder: tmp.path + "/repo/Weights"
        ) { path in
            probed.add(path)
            return WeightsProbe.classify(path: path)
        }
    }

    final class ProbeLog: @unchecked Sendable {
        private let lock = NSLock()
        private var paths: [String] = []
        func add(_ p: String) {
            lock.lock()
            paths.append(p)
            lock.unlock()
        }
        var all: [String] {
            lock.lock()
            defer { lock.unlock() }
            return paths
        }
    }

    /// A search also probes the full-size model beside the FIFO (4–5 s on a loaded 2-core machine); a search blocked on
    /// the FIFO never ends, so this only has to be well above the probe.
    static let searchDeadline: TimeInterval = 30

    // MARK: In process

    func testProbe_FIFOIsRejectedWithoutBlocking() {
        let fifo = makeFIFO(tmp.path + "/w.h5")
        let finding = withinDeadline(5, unblocking: fifo) { WeightsProbe.classify(path: fifo) }
        guard case .rejected(let why)? = finding else { return XCTFail("\(String(describing: finding))") }
        XCTAssertTrue(why.contains(reason), why)
    }

    func testDetect_FIFOIsRefusedWithoutBlocking() {
        let fifo = makeFIFO(tmp.path + "/w.safetensors")
        let result = withinDeadline(5, unblocking: fifo) { Result { try ModelLoader.detect(path: fifo) } }
        guard case .failure(let error)? = result else { return XCTFail("\(String(describing: result))") }
        XCTAssertEqual(error as? WeightsError, .unreadable(path: fifo, reason: reason + "; give a model file"))
        XCTAssertThrowsError(try ModelLoader.requireRegularFile(path: fifo))
        XCTAssertNoThrow(try ModelLoader.requireRegularFile(path: tmp.write("plain.h5", Data("x".utf8))))
    }

    func testSearch_FIFOGivenWithWeightsOptionIsSkippedAndChoosesNothing() {
        let fifo = makeFIFO(tmp.path + "/given.h5")
        SafetensorsFixture.write(data + "/full.safetensors", classifier: .torchvision)
        let log = ProbeLog()
        let d = discovery(explicit: fifo, probed: log)
        let places = withinDeadline(Self.searchDeadline, unblocking: fifo) { d.search() } ?? []
        guard case .rejected(let why)? = places.first?.finding else { return XCTFail("\(places)") }
        XCTAssertTrue(why.contains(reason), why)
        XCTAssertNil(
            WeightsDiscovery.choose(from: places), "the user's choice is unusable: nothing else is silently used")
        XCTAssertFalse(log.all.contains(fifo), "the probe is never handed the FIFO")
    }

    func testSearch_FIFOInEnvironmentIsSkippedAndChoosesNothing() {
        let fifo = makeFIFO(tmp.path + "/env.h5")
        let log = ProbeLog()
        let d = discovery(env: ["CONVSCOPE_WEIGHTS": fifo], probed: log)
        let places = withinDeadline(Self.searchDeadline, unblocking: fifo) { d.search() } ?? []
        let env = places.first { $0.name == WeightsDiscovery.PlaceName.environment }
        guard case .rejected(let why)? = env?.finding else { return XCTFail("\(places)") }
        XCTAssertTrue(why.contains(reason), why)
        XCTAssertNil(WeightsDiscovery.choose(from: places))
        XCTAssertFalse(log.all.contains(fifo))
    }

    func testSearch_FIFOInDataFolderIsListedAsSkippedAndAnotherFileIsChosen() {
        let fifo = makeFIFO(data + "/stray.h5")
        let good = SafetensorsFixture.write(data + "/vgg.safetensors", classifier: .none)
        let log = ProbeLog()
        let d = discovery(probed: log)
        let places = withinDeadline(Self.searchDeadline, unblocking: fifo) { d.search() } ?? []
        let stray = places.first { $0.path == fifo }
        XCTAssertEqual(stray?.name, WeightsDiscovery.PlaceName.dataFolder)
        guard case .rejected(let why)? = stray?.finding else { return XCTFail("\(places)") }
        XCTAssertTrue(why.contains(reason), why)
        XCTAssertEqual(WeightsDiscovery.choose(from: places)?.path, good)
        XCTAssertEqual(log.all.filter { $0.hasPrefix(data) }, [good])
    }

    // MARK: The command line

    private var env: [String: String] { ["HOME": home, "XDG_DATA_HOME": xdg] }

    /// The first start of a freshly built executable pays for loading it (and the repo's weights) from disk; the
    /// timings below are of the FIFO handling, so each timed run follows an untimed one without the FIFO.
    private func warmUp() throws {
        let r = try CLI.run(
            ["weights"], env: ["HOME": home, "XDG_DATA_HOME": tmp.folder("warm-up")], in: tmp.path,
            timeout: 30, tag: "warm-up")
        XCTAssertFalse(r.killed, r.stderr)
    }

    private func assertFastOneLine(_ r: CLI.Result, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertFalse(r.killed, "hung on the FIFO", file: file, line: line)
        // Typically 0.1–0.3 s; the bound only has to separate "answered" from "blocked until killed" on a loaded machine.
        XCTAssertLessThan(r.seconds, 5.0, file: file, line: line)
        XCTAssertEqual(r.status, 1, r.stderr, file: file, line: line)
        let lines = r.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, r.stderr, file: file, line: line)
        XCTAssertTrue(lines.first?.hasPrefix("convscope: ") ?? false, r.stderr, file: file, line: line)
        XCTAssertTrue(r.stderr.contains(reason), r.stderr, file: file, line: line)
    }

    func testWeightsCommand_FIFOInDataFolderFinishesAndListsItSkipped() throws {
        try warmUp()
        let fifo = makeFIFO(data + "/stray.h5")
        let r = try CLI.run(["weights"], env: env, in: tmp.path, timeout: 10)
        XCTAssertFalse(r.killed, "hung on the FIFO")
        XCTAssertLessThan(r.seconds, 1.0)
        XCTAssertTrue(
            r.stdout.contains("data folder          \(fifo): skipped: \(fifo): cannot be read (\(reason)"), r.stdout)
    }

    func testWeightsCommand_FIFOAsWeightsOptionFailsAtOnceWithOneLine() throws {
        let fifo = makeFIFO(tmp.path + "/given.h5")
        try warmUp()
        let r = try CLI.run(["weights", "--weights", fifo], env: env, in: tmp.path, timeout: 10)
        assertFastOneLine(r)
        XCTAssertTrue(r.stderr.contains("the weights named by --weights cannot be used: \(fifo)"), r.stderr)
    }

    func testWeightsCommand_FIFOAsEnvironmentFailsAtOnceWithOneLine() throws {
        let fifo = makeFIFO(tmp.path + "/env.h5")
        var e = env
        e["CONVSCOPE_WEIGHTS"] = fifo
        try warmUp()
        let r = try CLI.run(["weights"], env: e, in: tmp.path, timeout: 10)
        assertFastOneLine(r)
        XCTAssertTrue(r.stderr.contains("the weights named by $CONVSCOPE_WEIGHTS cannot be used: \(fifo)"), r.stderr)
    }

    func testPredict_FIFOAsWeightsFailsAtOnceWithOneLine() throws {
        let fifo = makeFIFO(tmp.path + "/given.h5")
        let image = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("PlatformTests/Fixtures/pattern.png").path
        XCTAssertTrue(FileManager.default.fileExists(atPath: image), image)
        try warmUp()
        let r = try CLI.run(["predict", image, "--weights", fifo], env: env, in: tmp.path, timeout: 10)
        assertFastOneLine(r)
        XCTAssertTrue(r.stderr.contains(fifo), r.stderr)
        var e = env
        e["CONVSCOPE_WEIGHTS"] = fifo
        assertFastOneLine(try CLI.run(["predict", image], env: e, in: tmp.path, timeout: 10, tag: "env"))
    }
}
