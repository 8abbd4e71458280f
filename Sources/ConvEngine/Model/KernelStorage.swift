import Foundation
import Isolation

/// A convolution or dense kernel's floats, shared by every copy of its layer. A kernel in a file that stays open (a
/// model cache entry, `TensorSource`) is read from the file's own pages where it can be (`FileMapping`: no copy),
/// else copied; either can be let go once its Winograd kernel is made (`release`): neither pass reads it again (the
/// backward pass runs the forward Winograd kernel's adjoint), and the path that does (a filter image's own filter,
/// `OwnFilterConvolution`) reads it back on first use and keeps it. For VGG16 that is 56 MiB of the window's 1 GB at
/// start. The sanity check lets trained kernels go while their randomised copies stand in (`Model.park`), and its
/// randomised dense kernels are never held: they are made a chunk at a time where they are read (`KernelNoise`).
/// The hot paths read the floats in place (`withFloats`); `value` makes an array of them.
final class KernelStorage: @unchecked Sendable {
    private let lock = NSLock()
    private var floats: [Float]?
    private let mapping: FileMapping?
    /// The mapping's pages are the process's now (read since the last `release`).
    private var mappedResident = false
    private let source: TensorSource?
    /// A randomised kernel made where it is read (`KernelNoise`), never held.
    private let noise: KernelNoise?
    /// Read back once: a path that reads the kernel came, so it stays (every runner's `prepareForward` lets go
    /// again otherwise, and the next backward pass would read the file again).
    private var readBack = false

    init(_ floats: [Float], source: TensorSource? = nil) {
        self.floats = floats
        self.mapping = nil
        self.source = source
        self.noise = nil
        self.knownFinite = false
    }

    /// A randomised kernel made where it is read: each pass through the layer makes it a chunk at a time
    /// (`streamIfLetGo`); a whole read makes it whole for the read only.
    init(noise: KernelNoise) {
        self.floats = nil
        self.mapping = nil
        self.source = nil
        self.noise = noise
        self.knownFinite = true
    }

    /// A kernel read in place from `source`'s file through `mapping` (its pages read once already, to check them;
    /// `finite`: every value was found finite then, so `ParameterCheck` need not read them again).
    init(mapping: FileMapping, source: TensorSource, finite: Bool) {
        self.floats = nil
        self.mapping = mapping
        self.mappedResident = true
        self.source = source
        self.noise = nil
        self.knownFinite = finite
    }

    /// Every value is known finite (checked while the pages were read at load).
    let knownFinite: Bool

    /// The floats as an array, read back from the source when they were let go (and then kept; a randomised kernel's
    /// are made again each time).
    var value: [Float] {
        if let noise { return made(noise) }
        lock.lock()
        defer { lock.unlock() }
        if let floats { return floats }
        guard let source else { preconditionFailure("a kernel let go without a file to read it back from") }
        let again = source.read()
        floats = again
        readBack = true
        return again
    }

    /// `body` over the floats where they are: the file's pages when mapped (checked again on the first read after a
    /// `release`), else the array (read back first when it was let go; a randomised kernel's made for `body` only).
    func withFloats<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        if let noise { return try made(noise).withUnsafeBufferPointer(body) }
        lock.lock()
        if let floats {
            lock.unlock()
            return try floats.withUnsafeBufferPointer(body)
        }
        if let mapping, let source {
            if !mappedResident {
                source.check(mapping.floats)
                // While a long run streams it, a whole read (a dossier's row sums) lets the pages go again after.
                guard streamers == 0 else {
                    lock.unlock()
                    defer { mapping.drop() }
                    return try body(mapping.floats)
                }
                mappedResident = true
            }
            lock.unlock()
            return try body(mapping.floats)
        }
        lock.unlock()
        return try value.withUnsafeBufferPointer(body)
    }

    /// How often a randomised kernel was made whole (a read that could not take it a chunk at a time).
    private(set) var wholeReads = 0

    private func made(_ noise: KernelNoise) -> [Float] {
        lock.lock()
        wholeReads += 1
        lock.unlock()
        return noise.array(ways: Parallel.cores)
    }

    /// Brings the floats back: in place from the file's pages when mapped (checked; not while streamed, when the next
    /// pass reads them a chunk at a time anyway), else read back as an array.
    func bringBack() {
        guard noise == nil else { return }
        lock.lock()
        let streamed = streamers > 0
        lock.unlock()
        guard !streamed else { return }
        if isMapped { withFloats { _ in } } else { _ = value }
    }

    /// Long runs streaming this kernel now (`Model.streamingDenseKernels`).
    private var streamers = 0

    /// Starts or ends a long run's streaming; starting lets the mapping's pages go.
    func stream(_ on: Bool) {
        guard mapping != nil else { return }
        lock.lock()
        defer { lock.unlock() }
        streamers += on ? 1 : -1
        precondition(streamers >= 0, "streaming ended once more than it began")
        if on, floats == nil, mappedResident, let mapping {
            mapping.drop()
            mappedResident = false
        }
    }

    /// While a long run streams the kernel and its pages are not the process's: `body` over the floats `chunk` at a
    /// time, in order, each chunk's pages let go again after it, so no more than a chunk of them is held at once (a
    /// scoreboard's batched passes read fc1's 411 MB this way and keep none of it); their checksum is summed over
    /// the chunks and checked at the end. A randomised kernel is always streamed: each chunk is made (over `ways`
    /// threads) into one buffer. Returns false without calling `body` otherwise (the caller reads them whole, which
    /// brings them back).
    func streamIfLetGo(chunk: Int, ways: Int = 1, _ body: (Range<Int>, UnsafeBufferPointer<Float>) -> Void) -> Bool {
        precondition(chunk > 0, "a chunk of floats")
        if let noise {
            let buffer = UnsafeMutablePointer<Float>.allocate(capacity: min(chunk, noise.count))
            defer { buffer.deallocate() }
            for start in stride(from: 0, to: noise.count, by: chunk) {
                let r = start..<min(start + chunk, noise.count)
                noise.fill(r, into: buffer, ways: ways)
                body(r, UnsafeBufferPointer(start: buffer, count: r.count))
            }
            return true
        }
        lock.lock()
        guard streamers > 0, floats == nil, let mapping, let source else {
            lock.unlock()
            return false
        }
        mappedResident = false  // read whole meanwhile: its pages go chunk by chunk here
        lock.unlock()
        let n = mapping.floats.count
        var sum: UInt64 = 0
        var start = 0
        while start < n {
            let r = start..<min(start + chunk, n)
            let piece = UnsafeBufferPointer(rebasing: mapping.floats[r])
            sum &+= WireChecksum.words(UnsafeRawBufferPointer(piece), firstWord: source.firstWord + r.lowerBound)
            body(r, piece)
            mapping.drop(r)
            start = r.upperBound
        }
        precondition(
            sum == source.checksum, "the model cache entry \(source.file.path) changed under the running program")
        return true
    }

    /// Lets the floats go when they can be read back and were not read back before (`evenIfReadBack`: also then);
    /// returns whether they were.
    @discardableResult
    func release(evenIfReadBack: Bool = false) -> Bool {
        guard source != nil else { return false }
        lock.lock()
        defer { lock.unlock() }
        guard evenIfReadBack || !readBack else { return false }
        floats = nil
        readBack = false
        if let mapping, mappedResident {
            mapping.drop()
            mappedResident = false
        }
        return true
    }

    /// Whether the floats can be let go and read back (they came from a file that stays open).
    var canReadBack: Bool { source != nil }

    /// Whether they are read in place from the file's pages.
    var isMapped: Bool { mapping != nil }

    /// How many floats, without reading them back.
    var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return floats?.count ?? mapping?.floats.count ?? source?.count ?? noise?.count ?? 0
    }

    /// `body` over the floats if they are in memory now, else nil without calling it (they were checked when first
    /// read, and are read back checksum-checked), so a check of a model copy does not read every kernel back.
    func ifResident<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R? {
        lock.lock()
        if let floats {
            lock.unlock()
            return try floats.withUnsafeBufferPointer(body)
        }
        let mapped = mappedResident ? mapping : nil
        lock.unlock()
        return try mapped.map { try body($0.floats) }
    }

    /// Whether the floats are in memory now.
    var isResident: Bool {
        lock.lock()
        defer { lock.unlock() }
        return floats != nil || mappedResident
    }
}

/// Where a tensor lies in an open file, with the checksum its words had when first read (`WireChecksum.words`).
final class TensorSource: @unchecked Sendable {
    let file: OpenFile
    let offset: Int, count: Int
    let firstWord: Int, checksum: UInt64

    init(file: OpenFile, offset: Int, count: Int, firstWord: Int, checksum: UInt64) {
        self.file = file
        self.offset = offset
        self.count = count
        self.firstWord = firstWord
        self.checksum = checksum
    }

    /// Stops the program when `floats` (this tensor's, read in place) are not the words first read: see `read`.
    func check(_ floats: UnsafeBufferPointer<Float>) {
        precondition(
            WireChecksum.words(UnsafeRawBufferPointer(floats), firstWord: firstWord) == checksum,
            "the model cache entry \(file.path) changed under the running program")
    }

    /// The tensor's floats as first read. The file is a cache entry, renamed into place whole and never written
    /// again, held open, so it still has these bytes even if removed meanwhile; other bytes mean something wrote
    /// over our own file, which stops the program rather than compute with them.
    func read() -> [Float] {
        var ok = false
        let floats = [Float](unsafeUninitializedCapacity: count) { buffer, initialised in
            let raw = UnsafeMutableRawBufferPointer(buffer)
            ok =
                (try? ChildIO.preadAll(file.fd, raw, at: offset)) != nil
                && WireChecksum.words(UnsafeRawBufferPointer(raw), firstWord: firstWord) == checksum
            initialised = ok ? count : 0
        }
        precondition(ok, "the model cache entry \(file.path) changed under the running program")
        #if _endian(big)
            return floats.map { Float(bitPattern: UInt32(littleEndian: $0.bitPattern)) }
        #else
            return floats
        #endif
    }
}

/// A file descriptor kept open as long as a model reads from it, closed with the last one.
public final class OpenFile: @unchecked Sendable {
    let fd: Int32
    let path: String

    /// A descriptor of its own for `fd`'s file, or nil when none can be had.
    init?(duplicating fd: Int32, path: String) {
        let own = fcntl(fd, F_DUPFD_CLOEXEC, 0)
        guard own >= 0 else { return nil }
        self.fd = own
        self.path = path
    }

    deinit { close(fd) }
}
