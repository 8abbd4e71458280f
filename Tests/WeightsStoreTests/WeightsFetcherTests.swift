import Foundation
import XCTest

@testable import WeightsStore

final class WeightsFetcherTests: XCTestCase {
    private var tmp: TemporaryFolder!
    private var source: String!
    private var payload: Data!
    private var md5: String { Digest.hex(.md5, of: payload) }
    private var sha256: String { Digest.hex(.sha256, of: payload) }
    private var data: String { tmp.path + "/data" }
    private var final: String { data + "/vgg16.h5" }

    override func setUp() {
        tmp = TemporaryFolder()
        payload = randomData(600_000, seed: 7)
        source = tmp.write("served/vgg16.h5", payload)
    }

    override func tearDown() { tmp = nil }

    private func server(_ options: RangeServer.Options = .init()) throws -> RangeServer {
        try RangeServer(serving: source, in: tmp.folder("server\(UUID().uuidString.prefix(6))"), options: options)
    }

    private func fetcher() -> WeightsFetcher { WeightsFetcher(dataFolder: data, connectTimeout: 5) }

    private func leftovers() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: data)) ?? []).sorted()
    }

    func testFetchFull_DownloadsVerifiesRecordsSHA256AndReportsProgress() throws {
        let s = try server()
        var reports: [FetchProgress] = []
        let url = try fetcher().fetchFull(from: s.baseURL, md5: md5, progress: { reports.append($0) })
        XCTAssertEqual(url.path, final)
        XCTAssertEqual(FileManager.default.contents(atPath: final), payload)
        let record = try String(contentsOfFile: final + ".sha256", encoding: .utf8).split(separator: "\n").map(
            String.init)
        XCTAssertEqual(record.first, "\(sha256)  vgg16.h5")
        XCTAssertTrue(
            record.dropFirst().first?.hasPrefix("# convscope verified: size=600000 mtime=") ?? false, "\(record)")
        XCTAssertEqual(leftovers(), ["vgg16.h5", "vgg16.h5.sha256"])
        XCTAssertEqual(s.ranges, ["-"])
        let downloading = reports.filter { $0.phase == .downloading }
        XCTAssertEqual(downloading.last?.bytesDone, Int64(payload.count))
        XCTAssertEqual(downloading.last?.bytesTotal, Int64(payload.count))
        XCTAssertTrue(reports.contains { $0.phase == .verifying })
    }

    func testFetchFull_CutOffHalfWayKeepsPartAndRerunResumesWithRange() throws {
        let s = try server(.init(cutAfter: 250_000))
        XCTAssertThrowsError(try fetcher().fetchFull(from: s.baseURL, md5: md5)) { error in
            guard case FetchError.interrupted(_, let partial, let have, let total, _) = error else {
                return XCTFail("\(error)")
            }
            XCTAssertEqual(partial, self.final + ".part")
            XCTAssertEqual(have, 250_000)
            XCTAssertEqual(total, Int64(self.payload.count))
            XCTAssertTrue("\(error)".contains("run the fetch again to resume"), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: final))
        XCTAssertEqual(FileManager.default.contents(atPath: final + ".part"), payload.prefix(250_000))

        var resumedFrom: Int64 = -1
        _ = try fetcher().fetchFull(
            from: s.baseURL, md5: md5, progress: { if $0.phase == .downloading { resumedFrom = $0.resumedFrom } })
        XCTAssertEqual(s.ranges, ["-", "bytes=250000-"])
        XCTAssertEqual(resumedFrom, 250_000)
        XCTAssertEqual(FileManager.default.contents(atPath: final), payload)
        XCTAssertEqual(leftovers(), ["vgg16.h5", "vgg16.h5.sha256"])
    }

    func testFetchFull_ServerIgnoringRangeRestartsThePartCleanly() throws {
        tmp.write("data/vgg16.h5.part", randomData(5_000, seed: 99))
        let s = try server(.init(ignoreRange: true))
        _ = try fetcher().fetchFull(from: s.baseURL, md5: md5)
        XCTAssertEqual(s.ranges, ["bytes=5000-"])
        XCTAssertEqual(FileManager.default.contents(atPath: final), payload)
    }

    func testFetchFull_ChecksumMismatchIsRefusedAndLeavesNoFile() throws {
        let s = try server()
        let wrong = String(repeating: "0", count: 32)
        XCTAssertThrowsError(try fetcher().fetchFull(from: s.baseURL, md5: wrong)) { error in
            guard case FetchError.checksumMismatch(_, "MD5", wrong, let found) = error else {
                return XCTFail("\(error)")
            }
            XCTAssertEqual(found, self.md5)
            XCTAssertTrue("\(error)".contains("deleted and not installed"), "\(error)")
        }
        XCTAssertEqual(leftovers(), [])
    }

    func testFetchFull_DamagedPartIsCaughtByTheChecksumAndDeleted() throws {
        var damaged = payload.prefix(100_000)
        damaged[damaged.startIndex + 10] ^= 0xFF
        tmp.write("data/vgg16.h5.part", Data(damaged))
        let s = try server()
        XCTAssertThrowsError(try fetcher().fetchFull(from: s.baseURL, md5: md5)) { error in
            guard case FetchError.checksumMismatch = error else { return XCTFail("\(error)") }
        }
        XCTAssertEqual(leftovers(), [])
        _ = try fetcher().fetchFull(from: s.baseURL, md5: md5)
        XCTAssertEqual(s.ranges, ["bytes=100000-", "-"])
        XCTAssertEqual(FileManager.default.contents(atPath: final), payload)
    }

    func testFetchFull_CompletePartGets416AndIsVerifiedWithoutDownloading() throws {
        tmp.write("data/vgg16.h5.part", payload)
        let s = try server()
        _ = try fetcher().fetchFull(from: s.baseURL, md5: md5)
        XCTAssertEqual(s.ranges, ["bytes=600000-"])
        XCTAssertEqual(FileManager.default.contents(atPath: final), payload)
    }

    func testFetchFull_AlreadyInstalledFileIsNotDownloadedAgain() throws {
        let s = try server()
        _ = try fetcher().fetchFull(from: s.baseURL, md5: md5)
        _ = try fetcher().fetchFull(from: s.baseURL, md5: md5)
        XCTAssertEqual(s.ranges, ["-"])
    }

    func testFetchFull_UnreachableServerSaysSo() throws {
        // A port that was just free: nothing listens there.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) }
        }
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        close(fd)
        let url = URL(string: "http://127.0.0.1:\(UInt16(bigEndian: addr.sin_port))/vgg16.h5")!
        XCTAssertThrowsError(try fetcher().fetchFull(from: url, md5: md5)) { error in
            guard case FetchError.unreachable = error else { return XCTFail("\(error)") }
            XCTAssertTrue("\(error)".contains("cannot reach 127.0.0.1"), "\(error)")
        }
        XCTAssertEqual(leftovers(), [], "no empty .part is left behind")
    }

    func testFetchFull_HTTPErrorIsReported() throws {
        let s = try server(.init(status: 404))
        XCTAssertThrowsError(try fetcher().fetchFull(from: s.baseURL, md5: md5)) { error in
            XCTAssertEqual(error as? FetchError, .httpStatus(url: s.baseURL.absoluteString, status: 404))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: final))
    }

    func testFetchFull_UnwritableDataFolderIsNamed() throws {
        let blocker = tmp.write("blocker", Data("a file".utf8))
        let folder = blocker + "/convscope/weights"
        XCTAssertThrowsError(
            try WeightsFetcher(dataFolder: folder).fetchFull(from: URL(string: "http://127.0.0.1:1/x")!, md5: md5)
        ) { error in
            guard case FetchError.folderNotWritable(folder, _) = error else { return XCTFail("\(error)") }
            XCTAssertTrue("\(error)".hasPrefix(folder + ": cannot write"), "\(error)")
        }
    }

    func testFetchFull_CancelStopsAndKeepsThePartForResuming() throws {
        let s = try server(.init(slow: true))
        var seen: Int64 = 0
        XCTAssertThrowsError(
            try fetcher().fetchFull(
                from: s.baseURL, md5: md5, progress: { seen = $0.bytesDone },
                isCancelled: { seen > 50_000 })
        ) { error in
            XCTAssertEqual(error as? FetchError, .cancelled(partial: self.final + ".part"))
        }
        let kept = FileManager.default.contents(atPath: final + ".part") ?? Data()
        XCTAssertGreaterThan(kept.count, 0)
        XCTAssertLessThan(kept.count, payload.count)
        XCTAssertEqual(kept, payload.prefix(kept.count))
        XCTAssertFalse(FileManager.default.fileExists(atPath: final))
    }

    func testFetchFull_ConnectTimeoutBoundsStallsNotTheWholeTransfer() throws {
        let s = try server(.init(slow: true))  // about 1.5 s in all, a piece every 20 ms
        let started = Date()
        _ = try WeightsFetcher(dataFolder: data, connectTimeout: 0.5).fetchFull(from: s.baseURL, md5: md5)
        XCTAssertGreaterThan(Date().timeIntervalSince(started), 0.5)
        XCTAssertEqual(FileManager.default.contents(atPath: final), payload)
    }

    func testFetchFull_ServerThatNeverAnswersIsUnreachableAfterTheTimeout() throws {
        let s = try server(.init(hang: true))
        let started = Date()
        XCTAssertThrowsError(
            try WeightsFetcher(dataFolder: data, connectTimeout: 1).fetchFull(from: s.baseURL, md5: md5)
        ) { error in
            XCTAssertEqual(
                error as? FetchError, .unreachable(url: s.baseURL.absoluteString, reason: "no answer within 1 s"))
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 10)
        XCTAssertEqual(leftovers(), [])
    }

    func testFetchFull_StalledTransferIsInterruptedAndKeepsThePart() throws {
        let s = try server(.init(stallAfter: 100_000))
        XCTAssertThrowsError(
            try WeightsFetcher(dataFolder: data, connectTimeout: 1).fetchFull(from: s.baseURL, md5: md5)
        ) { error in
            guard case FetchError.interrupted(_, _, 100_000, _, "no data for 1 s") = error else {
                return XCTFail("\(error)")
            }
        }
        XCTAssertEqual(FileManager.default.contents(atPath: final + ".part"), payload.prefix(100_000))
    }

    func testFetchFull_WorksFromABackgroundQueue() throws {
        let s = try server()
        let done = expectation(description: "fetched")
        final class Box: @unchecked Sendable {
            var result: Result<URL, Error>?
            var onMain = true
        }
        let box = Box()
        let fetcher = self.fetcher()
        let md5 = self.md5
        let url = s.baseURL
        DispatchQueue.global().async {
            box.result = Result {
                try fetcher.fetchFull(
                    from: url, md5: md5, progress: { _ in box.onMain = box.onMain && Thread.isMainThread })
            }
            done.fulfill()
        }
        wait(for: [done], timeout: 30)
        XCTAssertEqual(try box.result?.get().path, final)
        XCTAssertFalse(box.onMain, "progress is reported on the calling (background) thread")
    }
}
