/// Why an image could not be loaded or written, said so a person can act on it.
public enum ImageError: Error, Equatable, CustomStringConvertible {
    case notFound(path: String)
    case isDirectory(path: String)
    case unreadable(path: String, reason: String)
    case empty(file: String)
    case notAnImage(file: String)
    case damaged(file: String, kind: String)
    case truncated(file: String, kind: String)
    case tooLarge(file: String, width: Int, height: Int)
    case tooSmall(file: String, width: Int, height: Int)
    case writeFailed(path: String, reason: String)
    case exists(path: String)

    public var description: String {
        switch self {
        case .notFound(let p): return "\(p): no such file"
        case .isDirectory(let p): return "\(p): is a folder, not an image"
        case .unreadable(let p, let r): return "\(p): cannot be read (\(r))"
        case .empty(let f): return "\(f): the file is empty (0 bytes)"
        case .notAnImage(let f): return "\(f): not an image ConvScope can read (PNG, JPEG, BMP, GIF, WebP or TIFF)"
        case .damaged(let f, let k): return "\(f): the \(k) data is damaged and cannot be decoded"
        case .truncated(let f, let k): return "\(f): the \(k) file is truncated (it ends early); copy or download it again"
        case .tooLarge(let f, let w, let h):
            return "\(f): \(w)×\(h) is \(String(format: "%.0f", Double(w) * Double(h) / 1e6)) megapixels, over the 100-megapixel limit; scale it down first"
        case .tooSmall(let f, let w, let h): return "\(f): \(w)×\(h) is too small to look at; ConvScope needs at least \(ImageFile.minimumSide)×\(ImageFile.minimumSide) pixels"
        case .writeFailed(let p, let r): return "\(p): could not be written (\(r)); nothing was changed"
        case .exists(let p): return "\(p): already exists; not overwritten"
        }
    }
}
