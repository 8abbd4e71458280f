import Foundation

/// The protobuf wire format, read from a byte buffer with every length checked against what is left: varints of at
/// most 10 bytes, length-delimited fields that must fit, fixed 32/64-bit values, packed and unpacked repeated scalars,
/// and unknown fields skipped by their wire type (groups are refused). Just enough for ONNX's messages (see
/// `ONNXMessages.swift`); used instead of swift-protobuf, whose generated code and runtime were half of a release build.
struct ProtobufReader {
    struct Malformed: Error, CustomStringConvertible {
        let description: String
    }

    enum WireType: Int {
        case varint = 0
        case fixed64 = 1
        case lengthDelimited = 2
        case fixed32 = 5
    }

    let bytes: UnsafeRawBufferPointer
    /// The buffer's bytes as `Data` (a mapped file), so bytes fields are slices of it, not copies.
    let data: Data
    private(set) var offset: Int
    let end: Int

    init(bytes: UnsafeRawBufferPointer, data: Data) {
        self.bytes = bytes
        self.data = data
        offset = 0
        end = bytes.count
    }

    private init(parent: ProtobufReader, start: Int, end: Int) {
        bytes = parent.bytes
        data = parent.data
        offset = start
        self.end = end
    }

    var atEnd: Bool { offset >= end }

    /// The next field's number and wire type.
    mutating func field() throws -> (number: Int, type: WireType) {
        let key = try varint()
        guard let type = WireType(rawValue: Int(key & 7)) else {
            throw Malformed(description: "wire type \(key & 7) at byte \(offset) is not one ONNX uses")
        }
        let number = Int(key >> 3)
        guard number > 0 else { throw Malformed(description: "field number 0 at byte \(offset)") }
        return (number, type)
    }

    mutating func varint() throws -> UInt64 {
        var result: UInt64 = 0
        for shift in stride(from: 0, to: 70, by: 7) {
            guard offset < end else { throw Malformed(description: "a number runs past the end") }
            let b = bytes[offset]
            offset += 1
            result |= UInt64(b & 0x7f) << UInt64(shift)
            if b & 0x80 == 0 { return result }
        }
        throw Malformed(description: "a number longer than 10 bytes")
    }

    mutating func int64() throws -> Int64 { Int64(bitPattern: try varint()) }
    mutating func int32() throws -> Int32 { Int32(truncatingIfNeeded: try varint()) }

    mutating func fixed32() throws -> UInt32 {
        guard end - offset >= 4 else { throw Malformed(description: "a 4-byte value runs past the end") }
        defer { offset += 4 }
        return UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    mutating func fixed64() throws -> UInt64 {
        guard end - offset >= 8 else { throw Malformed(description: "an 8-byte value runs past the end") }
        defer { offset += 8 }
        return UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    /// A length-delimited field's extent, checked to fit.
    mutating func lengthDelimited() throws -> Range<Int> {
        let length = try varint()
        guard length <= UInt64(end - offset) else {
            throw Malformed(description: "a field of \(length) bytes at byte \(offset) runs past the end")
        }
        let range = offset..<offset + Int(length)
        offset = range.upperBound
        return range
    }

    mutating func bytesField() throws -> Data {
        let r = try lengthDelimited()
        return data[data.startIndex + r.lowerBound..<data.startIndex + r.upperBound]
    }

    mutating func string() throws -> String { String(decoding: try bytesField(), as: UTF8.self) }

    /// A nested message: a reader over its bytes.
    mutating func message() throws -> ProtobufReader {
        let r = try lengthDelimited()
        return ProtobufReader(parent: self, start: r.lowerBound, end: r.upperBound)
    }

    /// Repeated varints, packed (one length-delimited field) or one per field.
    mutating func varints(_ type: WireType, into values: inout [Int64]) throws {
        guard type == .lengthDelimited else {
            values.append(try int64())
            return
        }
        var inner = try message()
        while !inner.atEnd { values.append(try inner.int64()) }
    }

    mutating func floats(_ type: WireType, into values: inout [Float]) throws {
        guard type == .lengthDelimited else {
            values.append(Float(bitPattern: try fixed32()))
            return
        }
        var inner = try message()
        values.reserveCapacity(values.count + (inner.end - inner.offset) / 4)
        while !inner.atEnd { values.append(Float(bitPattern: try inner.fixed32())) }
    }

    mutating func doubles(_ type: WireType, into values: inout [Double]) throws {
        guard type == .lengthDelimited else {
            values.append(Double(bitPattern: try fixed64()))
            return
        }
        var inner = try message()
        values.reserveCapacity(values.count + (inner.end - inner.offset) / 8)
        while !inner.atEnd { values.append(Double(bitPattern: try inner.fixed64())) }
    }

    /// Skips a field this reader does not use.
    mutating func skip(_ type: WireType) throws {
        switch type {
        case .varint: _ = try varint()
        case .fixed64: _ = try fixed64()
        case .fixed32: _ = try fixed32()
        case .lengthDelimited: _ = try lengthDelimited()
        }
    }

    /// Checks the field's wire type is the one its schema gives.
    static func expect(_ type: WireType, _ wanted: WireType, field: Int, in message: String) throws {
        guard type == wanted else {
            throw Malformed(
                description: "\(message) field \(field) has wire type \(type.rawValue), not \(wanted.rawValue)")
        }
    }
}
