/// Identifies a widget across frames: a hash of its label combined with the
/// id stack (see `UIContext.pushID(_:)`).
public struct WidgetID: Hashable, Sendable {
    public let raw: UInt64

    public init(raw: UInt64) { self.raw = raw }

    static let offsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325
    static let prime: UInt64 = 0x0000_0100_0000_01b3

    /// 64-bit FNV-1a of the UTF-8 bytes of `s`, continuing from `seed`.
    static func fnv1a(_ s: String, seed: UInt64 = offsetBasis) -> UInt64 {
        var h = seed
        for byte in s.utf8 { h = (h ^ UInt64(byte)) &* prime }
        return h
    }

    /// 64-bit FNV-1a of the eight little-endian bytes of `n`, continuing from `seed`.
    static func fnv1a(_ n: Int, seed: UInt64 = offsetBasis) -> UInt64 {
        var h = seed, v = UInt64(bitPattern: Int64(n))
        for _ in 0..<8 {
            h = (h ^ (v & 0xFF)) &* prime
            v >>= 8
        }
        return h
    }
}
