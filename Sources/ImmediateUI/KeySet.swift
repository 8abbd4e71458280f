/// A set of `Key`s stored as a bitmask, so building one never allocates.
public struct KeySet: Hashable, Sendable, ExpressibleByArrayLiteral {
    public private(set) var bits: UInt32 = 0
    /// How many times each key went down (auto-repeat included), so fast presses within one frame are all counted.
    public private(set) var counts = SIMD16<UInt8>()

    public init() {}

    public init(arrayLiteral keys: Key...) {
        for k in keys { insert(k) }
    }

    public mutating func insert(_ key: Key) {
        bits |= 1 << UInt32(key.rawValue)
        if key.rawValue < 16, counts[Int(key.rawValue)] < 255 { counts[Int(key.rawValue)] += 1 }
    }
    /// Times `key` went down in this set (0 when absent).
    public func count(_ key: Key) -> Int {
        key.rawValue < 16 ? Int(counts[Int(key.rawValue)]) : (contains(key) ? 1 : 0)
    }
    public mutating func remove(_ key: Key) { bits &= ~(1 << UInt32(key.rawValue)) }
    public func contains(_ key: Key) -> Bool { bits & (1 << UInt32(key.rawValue)) != 0 }
    public var isEmpty: Bool { bits == 0 }
}
