/// Image formats ConvScope decodes, told apart by their first bytes, never by the file name.
public enum ImageKind: String, Sendable {
    case png = "PNG", jpeg = "JPEG", bmp = "BMP", gif = "GIF", webp = "WebP", tiff = "TIFF"

    /// The type string SDL2_image's IMG_LoadTyped_RW takes.
    var sdlType: String {
        switch self { case .png: return "PNG"; case .jpeg: return "JPG"; case .bmp: return "BMP"
        case .gif: return "GIF"; case .webp: return "WEBP"; case .tiff: return "TIF" }
    }

    public static func sniff(_ b: [UInt8]) -> ImageKind? {
        func starts(_ s: [UInt8], at o: Int = 0) -> Bool { b.count >= o + s.count && Array(b[o..<o + s.count]) == s }
        if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if starts([0xFF, 0xD8, 0xFF]) { return .jpeg }
        if starts(Array("GIF87a".utf8)) || starts(Array("GIF89a".utf8)) { return .gif }
        if starts(Array("BM".utf8)) { return .bmp }
        if starts(Array("RIFF".utf8)) && starts(Array("WEBP".utf8), at: 8) { return .webp }
        if starts([0x49, 0x49, 0x2A, 0x00]) || starts([0x4D, 0x4D, 0x00, 0x2A]) { return .tiff }
        return nil
    }
}
