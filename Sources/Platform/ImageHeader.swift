/// Reads an image's pixel size from its header, so a huge image is refused before anything is decoded, and
/// notices files cut short (a PNG without IEND, a JPEG without its end marker).
///
/// The size read is the size the decoder will allocate: for a GIF the larger of the logical screen and the first
/// frame (SDL2_image allocates the frame), and a TIFF whose first directory names a tag twice is refused (our reader
/// and libtiff could pick different ones). Every field is range-checked before it is used in arithmetic.
enum ImageHeader {
    enum Reading: Equatable {
        case size(width: Int, height: Int)
        /// The data ends before the header does.
        case cutShort
        /// The header is there but makes no sense (or could be read two ways).
        case invalid
    }

    /// The largest value any format's header may give for a side before it is refused as nonsense (PNG's limit).
    static let largestField = Int(Int32.max)
    /// How many GIF blocks (or stray bytes) are walked looking for the first frame before the file is called damaged.
    static let maxSteps = 100_000
    /// How many JPEG segments may come before the frame header (real files have tens; each may be 64 KB).
    static let maxSegments = 10_000

    static func size(_ kind: ImageKind, _ b: some ImageBytes) -> Reading {
        switch kind {
        case .png: return png(b)
        case .gif: return gif(b)
        case .bmp: return bmp(b)
        case .jpeg: return jpeg(b)
        case .webp: return webp(b)
        case .tiff: return tiff(b)
        }
    }

    /// Missing bytes mean the file was cut short; present but out-of-range values mean it is damaged.
    private static func checked(_ w: Int?, _ h: Int?, in b: some ImageBytes, needing end: Int) -> Reading {
        guard let w, let h else { return b.count < end ? .cutShort : .invalid }
        guard (0...largestField).contains(w), (0...largestField).contains(h) else { return .invalid }
        return .size(width: w, height: h)
    }

    private static func png(_ b: some ImageBytes) -> Reading {
        guard b.count >= 24 else { return .cutShort }
        guard b.bytes(12, 4) == Array("IHDR".utf8) else { return .invalid }
        return checked(b.be32(16), b.be32(20), in: b, needing: 24)
    }

    /// Walks the blocks the way SDL2_image does up to the first image descriptor: extensions are skipped sub-block by
    /// sub-block, any other byte but ',' (image) or ';' (end) is skipped alone.
    private static func gif(_ b: some ImageBytes) -> Reading {
        guard let screenW = b.le16(6), let screenH = b.le16(8), let packed = b.u8(10) else { return .cutShort }
        var o = 13
        if packed & 0x80 != 0 { o += 3 * (2 << (packed & 0x07)) }
        var steps = 0                                        // bytes skipped and sub-blocks walked, all told
        while steps < maxSteps {
            steps += 1
            guard let c = b.u8(o) else { return .cutShort }
            switch c {
            case 0x3B: return .invalid                       // the trailer before any image
            case 0x21:                                       // extension: label, then sub-blocks up to a 0 size
                o += 2
                while true {
                    guard let n = b.u8(o) else { return .cutShort }
                    o += 1 + n
                    if n == 0 { break }
                    steps += 1
                    if steps >= maxSteps { return .invalid }
                }
            case 0x2C:                                       // image descriptor: left, top, width, height, flags
                guard let frameW = b.le16(o + 5), let frameH = b.le16(o + 7) else { return .cutShort }
                guard frameW > 0, frameH > 0 else { return .invalid }   // SDL2_image would write into a 0-wide frame
                return .size(width: max(screenW, frameW), height: max(screenH, frameH))
            default:
                o += 1
            }
        }
        return .invalid
    }

    private static func bmp(_ b: some ImageBytes) -> Reading {
        guard let infoSize = b.le32(14) else { return .cutShort }
        if infoSize == 12 {                                  // OS/2 BITMAPCOREHEADER: unsigned 16-bit sides
            return checked(b.le16(18), b.le16(20), in: b, needing: 22)
        }
        guard let w = b.le32(18), let hRaw = b.le32(22) else { return .cutShort }
        guard w < 0x8000_0000 else { return .invalid }       // a negative width
        let h = hRaw >= 0x8000_0000 ? (1 << 32) - hRaw : hRaw   // negative height: top-down rows
        return checked(w, h, in: b, needing: 26)
    }

    private static func jpeg(_ b: some ImageBytes) -> Reading {
        var o = 2
        for _ in 0..<maxSegments {
            guard let ff = b.u8(o), let marker = b.u8(o + 1) else { return .cutShort }
            guard ff == 0xFF else { return .invalid }
            if marker == 0xFF { o += 1; continue }
            if marker == 0xD8 || (0xD0...0xD7).contains(marker) || marker == 0x01 { o += 2; continue }
            guard let len = b.be16(o + 2) else { return .cutShort }
            guard len >= 2 else { return .invalid }
            if (0xC0...0xCF).contains(marker) && ![0xC4, 0xC8, 0xCC].contains(marker) {
                return checked(b.be16(o + 7), b.be16(o + 5), in: b, needing: o + 9)
            }
            if marker == 0xDA || marker == 0xD9 { return .invalid }   // scan data or the end before any frame header
            o += 2 + len
        }
        return .invalid
    }

    private static func webp(_ b: some ImageBytes) -> Reading {
        guard let head = b.bytes(0, 30) else { return .cutShort }
        switch String(decoding: head[12..<16], as: UTF8.self) {
        case "VP8 ":
            let w = Int(head[26]) | Int(head[27]) << 8, h = Int(head[28]) | Int(head[29]) << 8
            return .size(width: w & 0x3FFF, height: h & 0x3FFF)
        case "VP8L":
            let v = Int(head[21]) | Int(head[22]) << 8 | Int(head[23]) << 16 | Int(head[24]) << 24
            return .size(width: (v & 0x3FFF) + 1, height: ((v >> 14) & 0x3FFF) + 1)
        case "VP8X":
            let w = Int(head[24]) | Int(head[25]) << 8 | Int(head[26]) << 16
            let h = Int(head[27]) | Int(head[28]) << 8 | Int(head[29]) << 16
            return .size(width: w + 1, height: h + 1)
        default:
            return .invalid
        }
    }

    /// The first directory (IFD0) only, as libtiff reads it; a tag named twice is refused rather than guessed.
    private static func tiff(_ b: some ImageBytes) -> Reading {
        guard let order = b.u8(0) else { return .cutShort }
        let little = order == 0x49
        func u16(_ o: Int) -> Int? { little ? b.le16(o) : b.be16(o) }
        func u32(_ o: Int) -> Int? { little ? b.le32(o) : b.be32(o) }
        guard let ifd = u32(4), let n = u16(ifd) else { return b.count < 8 ? .cutShort : .invalid }
        guard ifd >= 8, n > 0 else { return .invalid }
        guard let entries = b.bytes(ifd + 2, 12 * n) else { return .invalid }   // 12 × 65535 bytes at most
        func field(_ o: Int, _ size: Int) -> Int {
            (0..<size).reduce(0) { acc, i in acc | Int(entries[o + i]) << (8 * (little ? i : size - 1 - i)) }
        }
        var seen = Set<Int>()
        var w: Int?, h: Int?
        for i in 0..<n {
            let e = 12 * i
            let tag = field(e, 2), type = field(e + 2, 2), count = field(e + 4, 4)
            guard seen.insert(tag).inserted else { return .invalid }
            guard tag == 256 || tag == 257 else { continue }
            guard count == 1, type == 3 || type == 4 else { return .invalid }
            let value = type == 3 ? field(e + 8, 2) : field(e + 8, 4)
            if tag == 256 { w = value } else { h = value }
        }
        guard let w, let h else { return .invalid }
        return checked(w, h, in: b, needing: 0)
    }

    /// True when the file visibly ends early: a PNG without its IEND chunk, a JPEG without its EOI marker.
    static func isCutShort(_ kind: ImageKind, _ b: some ImageBytes) -> Bool {
        func tail(_ n: Int) -> [UInt8] { b.bytes(max(0, b.count - n), min(n, b.count)) ?? [] }
        switch kind {
        case .png:
            let t = tail(64), iend = Array("IEND".utf8)
            return !(t.count >= 4 && (0...(t.count - 4)).contains { Array(t[$0..<$0 + 4]) == iend })
        case .jpeg:
            let t = tail(4096)
            return !zip(t, t.dropFirst()).contains { $0 == 0xFF && $1 == 0xD9 }
        default:
            return false
        }
    }
}
