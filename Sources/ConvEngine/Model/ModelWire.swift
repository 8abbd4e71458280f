import CKernels
import Foundation
import Isolation

/// A `Model` as bytes, so a model parsed in a child process (libhdf5 is not built for hostile files) can be handed to
/// the parent: "CSMODEL1", the JSON header's length (UInt64 LE), the JSON header (names, kinds, shapes, and where each
/// tensor lies), then every tensor as little-endian Float32. Reading it back builds the model again with
/// `Model.init`'s own checks, so a wrong byte in transit is refused like a wrong byte in a file.
public enum ModelWire {
    static let magic = Array("CSMODEL1".utf8)
    /// The largest header read back (a model's description, not its weights).
    static let maxHeaderBytes = 64 << 20

    /// Writes `model` to `fd` from offset 0.
    public static func write(_ model: Model, to fd: Int32) throws {
        var payload = WirePayload()
        let header = WireModel(model, payload: &payload)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys  // the same model gives the same bytes
        var json = try encoder.encode(header)
        // Spaces after the JSON (allowed there) so the payload starts on a 64-byte boundary: its tensors can then
        // be read in place (`FileMapping`) from a cache entry, which starts on a page.
        json += Data(repeating: UInt8(ascii: " "), count: (64 - (16 + json.count) % 64) % 64)
        var prefix = magic
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { prefix += $0 }
        try ChildIO.writeAll(fd, prefix + Array(json), at: 0)
        var offset = prefix.count + json.count
        for tensor in payload.tensors {
            try tensor.withUnsafeBytes { try ChildIO.writeAll(fd, $0, at: offset) }
            offset += tensor.count * 4
        }
    }

    /// Reads a model written by `write` from `fd` (`size` bytes from offset 0).
    public static func read(fd: Int32, size: Int, file: String) throws -> Model {
        try read(fd: fd, at: 0, size: size, file: file).model
    }

    /// A model read back, with the checksum of its bytes (`WireChecksum`) and how many payload bytes its tensors
    /// covered, so a copy kept on disk (`ModelCache`) can be checked against what was read the first time.
    public struct Loaded {
        public let model: Model
        public let headerChecksum: UInt64
        public let payloadChecksum: UInt64
        /// Payload bytes the tensors took, and the payload's size: equal for an answer written by `write`.
        public let coveredBytes: Int, payloadBytes: Int
    }

    /// Reads a model written by `write` that starts at `origin` in `fd` and is `size` bytes long. Tensors are read
    /// in parallel (a VGG16 answer is 528 MB) and summed as they arrive.
    /// With `keeping` (the file `fd` reads, held open), the convolution kernels remember where they lie in it, so
    /// they can be let go once their Winograd kernels are made (`KernelStorage`).
    public static func read(fd: Int32, at origin: Int, size: Int, file: String, keeping: OpenFile? = nil) throws
        -> Loaded
    {
        func damaged(_ why: String) -> WeightsError { .malformed(file: file, detail: "the loader's answer is \(why)") }
        guard origin >= 0, size >= 16 else { throw damaged("cut short") }
        let prefix = try ChildIO.readExactly(fd, count: 16, at: origin)
        guard Array(prefix.prefix(8)) == magic else { throw damaged("not a model") }
        let headerBytes = prefix.suffix(8).withUnsafeBytes {
            Int(UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)))
        }
        guard headerBytes <= maxHeaderBytes, 16 + headerBytes <= size else { throw damaged("cut short") }
        let json = try ChildIO.readExactly(fd, count: headerBytes, at: origin + 16)
        let header: WireModel
        do {
            header = try JSONDecoder().decode(WireModel.self, from: Data(json))
        } catch let e as WeightsError { throw e } catch { throw damaged("unreadable (\(error))") }
        let reader = WireReader(
            fd: fd, origin: origin, base: 16 + headerBytes, size: size, file: file, keeping: keeping)
        let model = try header.model(reader)
        return Loaded(
            model: model, headerChecksum: WireChecksum.bytes(prefix + json), payloadChecksum: reader.sum.value,
            coveredBytes: reader.sum.covered, payloadBytes: size - 16 - headerBytes)
    }
}

/// The tensors of a model being written, in order; the header holds each one's index and length.
struct WirePayload {
    var tensors: [[Float]] = []
    var offset = 0
    mutating func add(_ t: [Float]) -> WireTensor {
        defer {
            tensors.append(t)
            offset += t.count
        }
        return WireTensor(offset: offset, count: t.count)
    }
    mutating func add(_ t: [Float]?) -> WireTensor? { t.map { add($0) } }
}

/// Where one tensor lies in the payload, in Floats.
struct WireTensor: Codable {
    var offset: Int, count: Int
}

/// Reads tensors of the payload back, each checked to lie inside it.
struct WireReader {
    let fd: Int32, origin: Int, base: Int, size: Int, file: String
    /// The file `fd` reads, held open for kernels to be read back from (nil: none is).
    var keeping: OpenFile? = nil
    let sum = WireSum()

    /// A convolution or dense kernel: its floats, and where they lie when the file is kept. A large one in a kept
    /// file is read in place (`FileMapping`) when it lies on a float boundary (entries written since the header was
    /// padded: `ModelWire.write`).
    func kernel(_ t: WireTensor) throws -> KernelStorage {
        if let file = keeping, t.count >= Self.mappedFloats, let mapped = try mapped(t, file: file) { return mapped }
        var checksum: UInt64 = 0
        let floats = try self.floats(t, checksum: &checksum)
        let source = keeping.map {
            TensorSource(
                file: $0, offset: origin + base + t.offset * 4, count: t.count, firstWord: t.offset,
                checksum: checksum)
        }
        return KernelStorage(floats, source: source)
    }

    /// Kernels of at least this many floats (1 MiB) are read in place where they can be (tests lower it).
    nonisolated(unsafe) static var mappedFloats = 1 << 18

    /// `t` read in place from `file`, its words summed in parts side by side (as `read`), or nil when it cannot be
    /// mapped.
    private func mapped(_ t: WireTensor, file: OpenFile) throws -> KernelStorage? {
        try checkInside(t)
        let offset = origin + base + t.offset * 4
        guard let mapping = FileMapping(file: file, offset: offset, count: t.count) else { return nil }
        let raw = UnsafeRawBufferPointer(mapping.floats)
        let parts = Parallel.cores
        let tensorSum = WireSum()
        var finiteParts = [Bool](repeating: true, count: parts)  // each part written by its own thread
        finiteParts.withUnsafeMutableBufferPointer { finiteParts in
            DispatchQueue.concurrentPerform(iterations: parts) { p in
                let lo = t.count * p / parts
                let hi = t.count * (p + 1) / parts
                // In 256 KB pieces, each summed, then checked finite while in cache: one read of the pages.
                var s: UInt64 = 0
                var finite = true
                for start in stride(from: lo, to: hi, by: 1 << 16) {
                    let end = min(start + (1 << 16), hi)
                    s &+= WireChecksum.words(
                        UnsafeRawBufferPointer(rebasing: raw[(start * 4)..<(end * 4)]), firstWord: t.offset + start)
                    finite =
                        finite && ParameterCheck.allFinite(UnsafeBufferPointer(rebasing: mapping.floats[start..<end]))
                }
                sum.add(s, bytes: (hi - lo) * 4)
                tensorSum.add(s, bytes: (hi - lo) * 4)
                finiteParts[p] = finite
            }
        }
        let source = TensorSource(
            file: file, offset: offset, count: t.count, firstWord: t.offset, checksum: tensorSum.value)
        return KernelStorage(mapping: mapping, source: source, finite: !finiteParts.contains(false))
    }

    /// Throws unless `t` lies inside the payload.
    private func checkInside(_ t: WireTensor) throws {
        let (bytes, overflow) = t.count.multipliedReportingOverflow(by: 4)
        let (start, overflow2) = t.offset.multipliedReportingOverflow(by: 4)
        guard t.count >= 0, t.offset >= 0, !overflow, !overflow2, base + start <= size, bytes <= size - base - start
        else {
            throw WeightsError.malformed(file: file, detail: "the loader's answer has a tensor outside it")
        }
    }

    func floats(_ t: WireTensor) throws -> [Float] {
        var checksum: UInt64 = 0
        return try floats(t, checksum: &checksum)
    }

    private func floats(_ t: WireTensor, checksum: inout UInt64) throws -> [Float] {
        try checkInside(t)
        let start = t.offset * 4
        var tensorSum: UInt64 = 0
        var out = try [Float](unsafeUninitializedCapacity: t.count) { buffer, initialised in
            tensorSum = try read(
                into: UnsafeMutableRawBufferPointer(buffer), at: origin + base + start, firstWord: t.offset)
            initialised = t.count
        }
        checksum = tensorSum
        #if _endian(big)
            out = out.map { Float(bitPattern: UInt32(littleEndian: $0.bitPattern)) }
        #endif
        return out
    }

    func floats(_ t: WireTensor?) throws -> [Float]? { try t.map { try floats($0) } }

    /// Fills `buffer` from `offset`, a large tensor in one part per core (the copy and its page faults run side by
    /// side), and adds the words' checksum (`firstWord` their index in the payload) to `sum`; returns that
    /// checksum.
    private func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int, firstWord: Int) throws -> UInt64 {
        let words = buffer.count / 4
        let parts = buffer.count >= 4 << 20 ? Parallel.cores : 1
        Self.adviseHugePages(buffer)
        let failure = WireFailure()
        let tensorSum = WireSum()
        DispatchQueue.concurrentPerform(iterations: parts) { p in
            let lo = words * p / parts
            let hi = words * (p + 1) / parts
            let part = UnsafeMutableRawBufferPointer(rebasing: buffer[(lo * 4)..<(hi * 4)])
            do {
                try ChildIO.preadAll(fd, part, at: offset + lo * 4)
                let s = WireChecksum.words(UnsafeRawBufferPointer(part), firstWord: firstWord + lo)
                sum.add(s, bytes: part.count)
                tensorSum.add(s, bytes: part.count)
            } catch { failure.set(error) }
        }
        if let error = failure.error { throw error }
        return tensorSum.value
    }
}

extension WireReader {
    /// Asks for 2 MB pages under a large tensor about to be filled: a VGG16 answer is 528 MB, and faulting it in
    /// 4 KB at a time took as long as copying it.
    static func adviseHugePages(_ buffer: UnsafeMutableRawBufferPointer) {
        let huge = 2 << 20
        guard buffer.count >= 2 * huge, let base = buffer.baseAddress else { return }
        let start = (Int(bitPattern: base) + huge - 1) / huge * huge
        let end = (Int(bitPattern: base) + buffer.count) / huge * huge
        guard end > start, let p = UnsafeMutableRawPointer(bitPattern: start) else { return }
        _ = madvise(p, end - start, MADV_HUGEPAGE)
    }
}

/// The running checksum of the tensors read so far, added to from several threads.
final class WireSum: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var value: UInt64 = 0
    private(set) var covered = 0
    func add(_ v: UInt64, bytes: Int) {
        lock.lock()
        value &+= v
        covered += bytes
        lock.unlock()
    }
}

/// The first error of a parallel read.
final class WireFailure: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var error: Error?
    func set(_ e: Error) {
        lock.lock()
        if error == nil { error = e }
        lock.unlock()
    }
}

/// Checksums of a model's wire bytes, to tell a damaged copy on disk from a good one (not against a forger: whoever
/// can write the cache can write the weights file too). Payload words are summed, each weighted by its position, so
/// parts summed in any order add up to the same value and a changed, lost or moved word changes the sum.
public enum WireChecksum {
    /// Σ w·(2i + 1 mod 2³²) mod 2⁶⁴ over the little-endian 32-bit words w of `bytes`, i counted from `firstWord`
    /// (in C, vectorised for the CPU it runs on: `cs_wire_checksum`).
    public static func words(_ bytes: UnsafeRawBufferPointer, firstWord: Int) -> UInt64 {
        let n = bytes.count / 4
        guard n > 0 else { return 0 }
        return cs_wire_checksum(bytes.baseAddress!, n, UInt64(truncatingIfNeeded: firstWord))
    }

    /// FNV-1a (64-bit) of `bytes`: for the short header.
    public static func bytes(_ bytes: [UInt8]) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }
}
