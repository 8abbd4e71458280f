/// A set of mouse buttons: `.left`, `.right`, or both.
public struct MouseButtons: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let left = MouseButtons(rawValue: 1)
    public static let right = MouseButtons(rawValue: 2)
}
