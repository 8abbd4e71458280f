/// A set of `Key`s stored as a bitmask, so building one never allocates.
public struct KeySet: Hashable, Sendable, ExpressibleByArrayLiteral {
    public private(set) var bits: UInt32 = 0

    public init() {}

    public init(arrayLiteral keys: Key...) {
        for k in keys { insert(k) }
    }

    public mutating func insert(_ key: Key) { bits |= 1 << UInt32(key.rawValue) }
    public mutating func remove(_ key: Key) { bits &= ~(1 << UInt32(key.rawValue)) }
    public func contains(_ key: Key) -> Bool { bits & (1 << UInt32(key.rawValue)) != 0 }
    public var isEmpty: Bool { bits == 0 }
}
