/// Bad input from outside the program (a file, a decoder, a user).
public enum RasterError: Error, Equatable, CustomStringConvertible {
    case badSize(width: Int, height: Int)
    case byteCountMismatch(expected: Int, got: Int)
    case valueCountMismatch(expected: Int, got: Int)

    public var description: String {
        switch self {
        case let .badSize(w, h):
            return "Image size \(w)×\(h) is not usable: both sides must be at least 1 pixel."
        case let .byteCountMismatch(expected, got):
            return "Image data has \(got) bytes but its size needs \(expected) (4 per RGBA pixel); the file may be truncated or not RGBA."
        case let .valueCountMismatch(expected, got):
            return "Map data has \(got) values but its size needs \(expected); check the width, height and channel count."
        }
    }
}
