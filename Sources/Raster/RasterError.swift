/// Bad input from outside the program (a file, a decoder, a user).
public enum RasterError: Error, Equatable, CustomStringConvertible {
    case badSize(width: Int, height: Int)
    case byteCountMismatch(expected: Int, got: Int)
    case valueCountMismatch(expected: Int, got: Int)

    public var description: String {
        switch self {
        case .badSize(let w, let h):
            return "Image size \(w)×\(h) is not usable: both sides must be at least 1 pixel."
        case .byteCountMismatch(let expected, let got):
            return
                "Image data has \(got) bytes but its size needs \(expected) (4 per RGBA pixel); the file may be truncated or not RGBA."
        case .valueCountMismatch(let expected, let got):
            return
                "Map data has \(got) values but its size needs \(expected); check the width, height and channel count."
        }
    }
}
