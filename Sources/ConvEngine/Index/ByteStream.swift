import Foundation

/// Little-endian fields into a byte array, for the index file.
struct ByteWriter {
    private(set) var bytes: [UInt8] = []

    mutating func put<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
    mutating func put(_ v: Float) { put(v.bitPattern) }
    mutating func put(_ s: String) {
        let utf8 = Array(s.utf8)
        put(UInt32(utf8.count))
        bytes += utf8
    }
    mutating func put(raw: [UInt8]) { bytes += raw }
}

/// Reads what `ByteWriter` wrote, refusing to read past the end.
struct ByteReader {
    struct Short: Error {}
    let bytes: [UInt8]
    private(set) var offset = 0

    init(_ bytes: [UInt8], offset: Int = 0) { self.bytes = bytes; self.offset = offset }

    var atEnd: Bool { offset == bytes.count }

    mutating func get<T: FixedWidthInteger>(_: T.Type) throws -> T {
        let n = MemoryLayout<T>.size
        guard bytes.count - offset >= n else { throw Short() }
        let v = bytes.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: T.self)) }
        offset += n
        return v
    }

    mutating func float() throws -> Float { Float(bitPattern: try get(UInt32.self)) }

    mutating func raw(_ n: Int) throws -> ArraySlice<UInt8> {
        guard n >= 0, bytes.count - offset >= n else { throw Short() }
        defer { offset += n }
        return bytes[offset..<offset + n]
    }

    mutating func string(max: Int) throws -> String? {
        let n = Int(try get(UInt32.self))
        guard n <= max else { return nil }
        return String(bytes: try raw(n), encoding: .utf8)
    }
}

/// FNV-1a, 64 bits: the index file's checksum (it finds damage, not tampering).
enum FNV1a {
    static func hash(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        bytes.withUnsafeBufferPointer { p in
            for b in p { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        }
        return h
    }
}
