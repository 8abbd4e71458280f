/// What a piece of text is for; the platform layer picks a font and size per role.
public enum FontRole: UInt8, CaseIterable, Sendable {
    case body, small, heading, mono
}
