/// Modifier keys held down during the frame.
public struct Modifiers: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let ctrl = Modifiers(rawValue: 1)
    public static let shift = Modifiers(rawValue: 2)
}
