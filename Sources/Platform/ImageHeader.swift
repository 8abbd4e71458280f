/// Reads an image's pixel size from its header, so a huge image is refused before anything is decoded, and
/// notices files cut short (a PNG without IEND, a JPEG without its end marker).
enum ImageHeader {
    static func size(_ kind: ImageKind, _ b: [UInt8]) -> (width: Int, height: Int)? {
        func be16(_ o: Int) -> Int? { o + 2 <= b.count ? Int(b[o]) << 8 | Int(b[o + 1]) : nil }
        func le16(_ o: Int) -> Int? { o + 2 <= b.count ? Int(b[o]) | Int(b[o + 1]) << 8 : nil }
        func be32(_ o: Int) -> Int? { o + 4 <= b.count ? Int(b[o]) << 24 | Int(b[o + 1]) << 16 | Int(b[o + 2]) << 8 | Int(b[o + 3]) : nil }
        func le32(_ o: Int) -> Int? { o + 4 <= b.count ? Int(b[o]) | Int(b[o + 1]) << 8 | Int(b[o + 2]) << 16 | Int(b[o + 3]) << 24 : nil }
        switch kind {
        case .png:
            guard b.count >= 24, Array(b[12..<16]) == Array("IHDR".utf8), let w = be32(16), let h = be32(20) else { return nil }
            return (w, h)
        case .gif:
            guard let w = le16(6), let h = le16(8) else { return nil }
            return (w, h)
        case .bmp:
            guard let w = le32(18), let hRaw = le32(22) else { return nil }
            let h = hRaw >= 0x8000_0000 ? (1 << 32) - hRaw : hRaw   // negative height: top-down rows
            return (w, h)
        case .jpeg:
            var o = 2
            while o + 4 <= b.count {
                guard b[o] == 0xFF else { return nil }
                let marker = b[o + 1]
                if marker == 0xFF { o += 1; continue }
                if marker == 0xD8 || (0xD0...0xD7).contains(marker) || marker == 0x01 { o += 2; continue }
                guard let len = be16(o + 2), len >= 2 else { return nil }
                if (0xC0...0xCF).contains(marker) && ![0xC4, 0xC8, 0xCC].contains(marker) {
                    guard let h = be16(o + 5), let w = be16(o + 7) else { return nil }
                    return (w, h)
                }
                o += 2 + len
            }
            return nil
        case .webp:
            guard b.count >= 30 else { return nil }
            let chunk = String(decoding: b[12..<16], as: UTF8.self)
            switch chunk {
            case "VP8 ": guard let w = le16(26), let h = le16(28) else { return nil }; return (w & 0x3FFF, h & 0x3FFF)
            case "VP8L":
                let v = Int(b[21]) | Int(b[22]) << 8 | Int(b[23]) << 16 | Int(b[24]) << 24
                return ((v & 0x3FFF) + 1, ((v >> 14) & 0x3FFF) + 1)
            case "VP8X":
                let w = Int(b[24]) | Int(b[25]) << 8 | Int(b[26]) << 16
                let h = Int(b[27]) | Int(b[28]) << 8 | Int(b[29]) << 16
                return (w + 1, h + 1)
            default: return nil
            }
        case .tiff:
            let little = b[0] == 0x49
            func u16(_ o: Int) -> Int? { little ? le16(o) : be16(o) }
            func u32(_ o: Int) -> Int? { little ? le32(o) : be32(o) }
            guard let ifd = u32(4), let n = u16(ifd) else { return nil }
            var w: Int?, h: Int?
            for i in 0..<min(n, 512) {
                let e = ifd + 2 + 12 * i
                guard let tag = u16(e), let type = u16(e + 2) else { return nil }
                let value = type == 3 ? u16(e + 8) : u32(e + 8)
                if tag == 256 { w = value }
                if tag == 257 { h = value }
            }
            guard let w, let h else { return nil }
            return (w, h)
        }
    }

    /// True when the file visibly ends early: a PNG without its IEND chunk, a JPEG without its EOI marker.
    static func isCutShort(_ kind: ImageKind, _ b: [UInt8]) -> Bool {
        switch kind {
        case .png:
            return !b.suffix(64).windows(ofCount: 4).contains(Array("IEND".utf8))
        case .jpeg:
            let tail = Array(b.suffix(4096))
            return !zip(tail, tail.dropFirst()).contains { $0 == 0xFF && $1 == 0xD9 }
        default:
            return false
        }
    }
}

private extension Array where Element == UInt8 {
    func windows(ofCount n: Int) -> [[UInt8]] {
        guard count >= n else { return [] }
        return (0...(count - n)).map { Array(self[$0..<$0 + n]) }
    }
}

private extension ArraySlice where Element == UInt8 {
    func windows(ofCount n: Int) -> [[UInt8]] { Array(self).windows(ofCount: n) }
}
