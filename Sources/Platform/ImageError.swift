/// Why an image could not be loaded or written, said so a person can act on it.
public enum ImageError: Error, Equatable, CustomStringConvertible {
    case notFound(path: String)
    case isDirectory(path: String)
    case unreadable(path: String, reason: String)
    case notRegularFile(path: String, kind: String)
    case symlinkLoop(path: String)
    case fileTooLarge(file: String, bytes: Int)
    case empty(file: String)
    case notAnImage(file: String)
    case damaged(file: String, kind: String)
    case truncated(file: String, kind: String)
    case tooLarge(file: String, width: Int, height: Int)
    case tooSmall(file: String, width: Int, height: Int)
    case writeFailed(path: String, reason: String)
    case exists(path: String)
    /// The decoder, run in a child process, crashed, hung or ran out of its memory on this file.
    case hostile(file: String, detail: String)
    /// An error the decoder child reported, as it said it.
    case reported(String)

    public var description: String {
        switch self {
        case .notFound(let p): return "\(p): no such file"
        case .isDirectory(let p): return "\(p): is a folder, not an image"
        case .unreadable(let p, let r): return "\(p): cannot be read (\(r))"
        case .notRegularFile(let p, let k): return "\(p): is a \(k), not an image file"
        case .symlinkLoop(let p):
            return "\(p): is a symbolic link loop (too many levels of symbolic links), not an image file"
        case .fileTooLarge(let f, let n):
            return
                "\(f): the file is \(String(format: "%.1f", Double(n) / 1e9)) GB, too large for an image (the limit is \(ImageFile.maxFileBytes / 1_000_000_000) GB)"
        case .empty(let f): return "\(f): the file is empty (0 bytes)"
        case .notAnImage(let f): return "\(f): not an image ConvScope can read (PNG, JPEG, BMP, GIF, WebP or TIFF)"
        case .damaged(let f, let k): return "\(f): the \(k) data is damaged and cannot be decoded"
        case .truncated(let f, let k):
            return "\(f): the \(k) file is truncated (it ends early); copy or download it again"
        case .tooLarge(let f, let w, let h) where max(w, h) > ImageFile.maxSide:
            return "\(f): \(w)×\(h) is over the \(ImageFile.maxSide)-pixel limit for a side; scale it down first"
        case .tooLarge(let f, let w, let h):
            return
                "\(f): \(w)×\(h) is \(String(format: "%.0f", Double(w) * Double(h) / 1e6)) megapixels, over the 100-megapixel limit; scale it down first"
        case .tooSmall(let f, let w, let h):
            return
                "\(f): \(w)×\(h) is too small to look at; ConvScope needs at least \(ImageFile.minimumSide)×\(ImageFile.minimumSide) pixels"
        case .writeFailed(let p, let r): return "\(p): could not be written (\(r)); nothing was changed"
        case .exists(let p): return "\(p): already exists; not overwritten"
        case .hostile(let f, let d): return "\(f): damaged or hostile image: \(d)"
        case .reported(let message): return message
        }
    }
}
