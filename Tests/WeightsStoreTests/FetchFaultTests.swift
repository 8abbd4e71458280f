import Foundation
import XCTest

@testable import WeightsStore

/// A loopback server that misbehaves on purpose, request by request (`RangeServer.Options.plan`). After every fault the
/// destination holds a verified file or none, and a resume after a transient fault asks only for what is missing.
final class FetchFaultTests: XCTestCase {
    private var tmp: TemporaryFolder!
    private var source: String!
    private var payload: Data!
    private var data: String { tmp.path + "/data" }
    private var final: String { data + "/vgg16.h5" }
    private var part: String { final + ".part" }

    override func setUp() {
        tmp = TemporaryFolder()
        payload = randomData(600_000, seed: 11)
        source = tmp.write("served/vgg16.h5", payload)
    }

    override func tearDown() { tmp = nil }

    private func server(_ options: RangeServer.Options) throws -> RangeServer {
        try RangeServer(serving: source, in: tmp.folder("server\(UUID().uuidString.prefix(6))"), options: options)
    }

    private func fetcher() -> WeightsFetcher { WeightsFetcher(dataFolder: data, connectTimeout: 5) }

    private func leftovers() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: data)) ?? []).sorted()
    }

    /// The destination holds the served file, verified, or nothing.
    private func assertVerifiedOrNone(_ expected: Data, file: StaticString = #filePath, line: UInt = #line) {
        guard let installed = FileManager.default.contents(atPath: final) else { return }
        XCTAssertEqual(installed, expected, "an installed file that is not the served one", file: file, line: line)
        XCTAssertTrue(fetcher().installed(final, fullCheck: true), file: file, line: line)
    }

    // MARK: Error replies

    func testFetchFull_ErrorBodyOfA500NeverReachesThePartAndTheResumeKeepsTheGoodBytes() throws {
        let s = try server(.init(etag: true, plan: ["cut:250000", "status:500", "ok"]))
        let md5 = md5Hex(payload)
        XCTAssertThrowsError(try fetcher().fetchFull(from: s.baseURL, md5: md5)) { error in
            guard case FetchError.interrupted = error else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(try fetcher().fetchFull(from: s.baseURL, md5: md5)) { error in
            XCTAssertEqual(error as? FetchError, .httpStatus(url: s.baseURL.absoluteString, status: 500))
        }
        XCTAssertEqual(s.requests.last?.status, 500)
        XCTAssertGreaterThan(s.requests.last?.sent ?? 0, 3000, "the server did send an error body")
        XCTAssertEqual(
            FileManager.default.contents(atPath: part), payload.prefix(250_000), "the part is exactly the good bytes")
        assertVerifiedOrNone(payload)
        XCTAssertFalse(FileManager.default.fileExists(atPath: final))

        _ = try fetcher().fetchFull(from: s.baseURL, md5: md5)
        let requests = s.requests
        XCTAssertEqual(requests.map(\.range), [nil, "bytes=250000-", "bytes=250000-"])
        XCTAssertEqual(requests.last?.status, 206)
        XCTAssertEqual(requests.last?.sent, 350_000, "only the missing bytes are downloaded again")
        XCTAssertEqual(FileManager.default.contents(atPath: final), payload)
        XCTAssertEqual(leftovers(), ["vgg16.h5", "vgg16.h5.sha256"])
    }

    func testFetchFull_ErrorBodyOfA404LeavesNoPartAndInstallsNothing() throws {
        let s = try server(.init(plan: ["status:404"]))
        XCTAssertThrowsError(try fetcher().fetchFull(from: s.baseURL, md5: md5Hex(payload))) { error in
            XCTAssertEqual(error as? FetchError, .httpStatus(url: s.baseURL.absoluteString, status: 404))
        }
        XCTAssertGreaterThan(s.requests.first?.sent ?? 0, 3000)
        XCTAssertEqual(leftovers(), [], "no part, meta, lock or record")
    }

    // MARK: Ranges

    func testFetchFull_200ToARangeRequestRestartsFromZero() throws {
        let s = try server(.init(etag: true, plan: ["cut:250000", "ignore-range"]))
        let md5 = md5Hex(payload)
        XCTAssertThrowsError(try fetcher().fetchFull(from: s.baseURL, md5: md5))
        XCTAssertEqual(fileSizeOf(part), 250_000)
        _ = try fetcher().fetchFull(from: s.baseURL, md5: md5)
        XCTAssertEqual(s.requests.map(\.status), [200, 200])
        XCTAssertEqual(s.requests.last?.range, "bytes=250000-")
        XCTAssertEqual(
            FileManager.default.contents(atPath: final), payload, "the 200's body replaced the part, not appended to it"
        )
        XCTAssertEqual(leftovers(), ["vgg16.h5", "vgg16.h5.sha256"])
    }

    func testFetchFull_ContentRangeNotStartingAtThePartsEndRestartsFromZero() throws {
        // The second reply overlaps the part by 1000 bytes: appended, it would splice a damaged file.
        let s = try server(.init(etag: true, plan: ["cut:250000", "wrong-range:1000"]))
        let md5 = md5Hex(payload)
        XCTAssertThrowsError(try fetcher().fetchFull(from: s.baseURL, md5: md5))
        _ = try fetcher().fetchFull(from: s.baseURL, md5: md5)
        let requests = s.waitForRequests(3)
        XCTAssertEqual(requests.map(\.range), [nil, "bytes=250000-", nil])
        XCTAssertEqual(requests.map(\.status), [200, 206, 200])
        XCTAssertEqual(FileManager.default.contents(atPath: final), payload)
        assertVerifiedOrNone(payload)
    }

    func testFetchFull_RepliesThatNeverLineUpGiveUpWithNothingKept() throws {
        let s = try server(.init(plan: ["bogus-206", "bogus-206", "bogus-206", "bogus-206"]))
        XCTAssertThrowsError(try fetcher().fetchFull(from: s.baseURL, md5: md5Hex(payload))) { error in
            guard case FetchError.badReply(_, let detail) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(detail.contains("bytes 5-599999/600000"), detail)
        }
        XCTAssertEqual(s.waitForRequests(3).count, 3, "two restarts, then it gives up")
        XCTAssertEqual(leftovers(), [])
    }

    // MARK: Cut connections

    func testFetchFull_CutMidBodyResumesWithIfRangeAndDownloadsOnlyTheRest() throws {
        let s = try server(.init(etag: true, plan: ["cut:250000"]))
        let md5 = md5Hex(payload)
        XCTAssertThrowsError(try fetcher().fetchFull(from: s.baseURL, md5: md5)) { error in
            guard case FetchError.interrupted(_, _, 250_000, 600_000, _) = error else { return XCTFail("\(error)") }
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: final))
        let meta = try XCTUnwrap(PartMeta.read(part + ".meta"))
        XCTAssertEqual(meta.etag, RangeServer.etag(of: payload))
        XCTAssertEqual(meta.total, 600_000)
        _ = try fetcher().fetchFull(from: s.baseURL, md5: md5)
        let last = try XCTUnwrap(s.requests.last)
        XCTAssertEqual(last.range, "bytes=250000-")
        XCTAssertEqual(last.ifRange, RangeServer.etag(of: payload))
        XCTAssertEqual(last.status, 206)
        XCTAssertEqual(last.sent, 350_000)
        XCTAssertEqual(FileManager.default.contents(atPath: final), payload)
        XCTAssertEqual(leftovers(), ["vgg16.h5", "vgg16.h5.sha256"])
    }

    // MARK: The file changed on the server

    func testFetchFull_FileChangedOnServerBetweenAttemptsIsNotSpliced() throws {
        let s = try server(.init(etag: true, plan: ["cut:250000"]))
        XCTAssertThrowsError(try fetcher().fetchFull(from: s.baseURL, md5: md5Hex(payload)))
        let changed = randomData(600_000, seed: 12)
        tmp.write("served/vgg16.h5", changed)
        _ = try fetcher().fetchFull(from: s.baseURL, md5: md5Hex(changed))
        let last = try XCTUnwrap(s.requests.last)
        XCTAssertEqual(last.range, "bytes=250000-")
        XCTAssertEqual(last.ifRange, RangeServer.etag(of: payload), "the resume names the ETag the part came from")
        XCTAssertEqual(last.status, 200, "the server sends the whole new file")
        XCTAssertEqual(FileManager.default.contents(atPath: final), changed)
        assertVerifiedOrNone(changed)
    }

    func testFetchFull_ServerIgnoringIfRangeButShowingANewETagRestartsFromZero() throws {
        let s = try server(.init(etag: true, plan: ["cut:250000", "ignore-if-range"]))
        XCTAssertThrowsError(try fetcher().fetchFull(from: s.baseURL, md5: md5Hex(payload)))
        let changed = randomData(600_000, seed: 13)
        tmp.write("served/vgg16.h5", changed)
        _ = try fetcher().fetchFull(from: s.baseURL, md5: md5Hex(changed))
        let requests = s.waitForRequests(3)
        XCTAssertEqual(requests.map(\.range), [nil, "bytes=250000-", nil])
        XCTAssertEqual(requests.map(\.status), [200, 206, 200])
        XCTAssertEqual(FileManager.default.contents(atPath: final), changed)
    }

    func testFetchFull_PartFromAnotherURLIsNotContinued() throws {
        let s = try server(.init(etag: true))
        tmp.write("data/vgg16.h5.part", payload.prefix(100_000))
        try PartMeta(
            url: "http://127.0.0.1:1/other/vgg16.h5", etag: RangeServer.etag(of: payload), lastModified: nil,
            total: 600_000
        )
        .write(part + ".meta")
        _ = try fetcher().fetchFull(from: s.baseURL, md5: md5Hex(payload))
        XCTAssertEqual(s.requests.map(\.range), [nil])
        XCTAssertEqual(FileManager.default.contents(atPath: final), payload)
    }

    func testFetchFull_KnownSHA256IsCheckedToo() throws {
        let s = try server(.init())
        XCTAssertThrowsError(
            try fetcher().fetchFull(from: s.baseURL, md5: md5Hex(payload), sha256: String(repeating: "1", count: 64))
        ) { error in
            guard case FetchError.checksumMismatch(_, "SHA-256", _, let found) = error else {
                return XCTFail("\(error)")
            }
            XCTAssertEqual(found, sha256Hex(self.payload))
        }
        XCTAssertEqual(leftovers(), [])
        _ = try fetcher().fetchFull(from: s.baseURL, md5: md5Hex(payload), sha256: sha256Hex(payload))
        XCTAssertEqual(FileManager.default.contents(atPath: final), payload)
    }

    // MARK: Not regular files

    func testFetchFull_FIFOAsThePartIsRefusedWithoutBlocking() throws {
        let s = try server(.init())
        let fifo = makeFIFO(part)
        let started = Date()
        let result = withinDeadline(10, unblocking: fifo) {
            Result { try self.fetcher().fetchFull(from: s.baseURL, md5: md5Hex(self.payload)) }
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 2)
        guard case .failure(FetchError.notRegularFile(fifo, "a named pipe (FIFO)"))? = result else {
            return XCTFail("\(String(describing: result))")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: final))
        XCTAssertEqual(s.requests, [], "nothing was asked of the server")
    }
}
