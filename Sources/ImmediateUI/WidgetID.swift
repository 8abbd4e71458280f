/// Identifies a widget across frames: a hash of its label (or of the part
/// after `##`, see `UIContext.id(_:)`) combined with the id stack (see
/// `UIContext.pushID(_:)`).
public struct WidgetID: Hashable, Sendable {
    public let raw: UInt64

    public init(raw: UInt64) { self.raw = raw }

    /// `raw` as 16 lower-case hex digits (as the UI trace writes it).
    public var hex: String {
        let digits = String(raw, radix: 16)
        return String(repeating: "0", count: 16 - digits.utf8.count) + digits
    }

    static let offsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325
    static let prime: UInt64 = 0x0000_0100_0000_01b3

    /// 64-bit FNV-1a of the UTF-8 bytes of `s`, continuing from `seed`.
    static func fnv1a(_ s: String, seed: UInt64 = offsetBasis) -> UInt64 {
        fnv1a(bytes: s.utf8, seed: seed)
    }

    /// 64-bit FNV-1a of `bytes`, continuing from `seed`.
    static func fnv1a<Bytes: Sequence>(bytes: Bytes, seed: UInt64 = offsetBasis) -> UInt64
    where Bytes.Element == UInt8 {
        var h = seed
        for byte in bytes { h = (h ^ UInt64(byte)) &* prime }
        return h
    }

    /// 64-bit FNV-1a of the eight little-endian bytes of `n`, continuing from `seed`.
    static func fnv1a(_ n: Int, seed: UInt64 = offsetBasis) -> UInt64 {
        var h = seed
        var v = UInt64(bitPattern: Int64(n))
        for _ in 0..<8 {
            h = (h ^ (v & 0xFF)) &* prime
            v >>= 8
        }
        return h
    }

    /// Splits a widget label at its first `##`: the part shown and the part
    /// the id is hashed from. Without `##`, both are the whole label.
    /// Never allocates.
    static func split(_ label: String) -> (display: Substring, key: Substring) {
        let utf8 = label.utf8
        var previous: String.Index?
        var i = utf8.startIndex
        while i != utf8.endIndex {
            if utf8[i] == UInt8(ascii: "#") {
                if let p = previous {
                    return (label[..<p], label[utf8.index(after: i)...])
                }
                previous = i
            } else {
                previous = nil
            }
            i = utf8.index(after: i)
        }
        return (label[...], label[...])
    }
}
