/// The keys the app reacts to. The platform layer maps its scancodes onto these.
public enum Key: UInt8, CaseIterable, Sendable {
    case left, right, up, down
    case escape, enter, tab
    case pageUp, pageDown
    case e, f, o, q, f1
}
