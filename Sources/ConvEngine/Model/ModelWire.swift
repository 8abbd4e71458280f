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
        let json = try encoder.encode(header)
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
        func damaged(_ why: String) -> WeightsError { .malformed(file: file, detail: "the loader's answer is \(why)") }
        let prefix = try ChildIO.readExactly(fd, count: 16, at: 0)
        guard Array(prefix.prefix(8)) == magic else { throw damaged("not a model") }
        let headerBytes = prefix.suffix(8).withUnsafeBytes {
            Int(UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)))
        }
        guard headerBytes <= maxHeaderBytes, 16 + headerBytes <= size else { throw damaged("cut short") }
        let header: WireModel
        do {
            header = try JSONDecoder().decode(
                WireModel.self, from: Data(try ChildIO.readExactly(fd, count: headerBytes, at: 16)))
        } catch let e as WeightsError { throw e } catch { throw damaged("unreadable (\(error))") }
        let reader = WireReader(fd: fd, base: 16 + headerBytes, size: size, file: file)
        return try header.model(reader)
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
    let fd: Int32, base: Int, size: Int, file: String

    func floats(_ t: WireTensor) throws -> [Float] {
        let (bytes, overflow) = t.count.multipliedReportingOverflow(by: 4)
        let (start, overflow2) = t.offset.multipliedReportingOverflow(by: 4)
        guard t.count >= 0, t.offset >= 0, !overflow, !overflow2, base + start <= size, bytes <= size - base - start
        else {
            throw WeightsError.malformed(file: file, detail: "the loader's answer has a tensor outside it")
        }
        var out = [Float](repeating: 0, count: t.count)
        try out.withUnsafeMutableBytes { try ChildIO.preadAll(fd, $0, at: base + start) }
        #if _endian(big)
            out = out.map { Float(bitPattern: UInt32(littleEndian: $0.bitPattern)) }
        #endif
        return out
    }

    func floats(_ t: WireTensor?) throws -> [Float]? { try t.map { try floats($0) } }
}
