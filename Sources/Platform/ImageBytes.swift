/// An image's bytes as the header reader sees them: read at offsets, a few at a time, so a header deep in a big file
/// (a TIFF's directory at its end, a JPEG's frame header after large metadata) is found without reading the rest.
protocol ImageBytes {
    /// The total number of bytes.
    var count: Int { get }
    /// Exactly `n` bytes at `offset`, or nil when they run past the end (or cannot be read).
    func bytes(_ offset: Int, _ n: Int) -> [UInt8]?
}

extension ImageBytes {
    func u8(_ o: Int) -> Int? { bytes(o, 1).map { Int($0[0]) } }
    func be16(_ o: Int) -> Int? { bytes(o, 2).map { Int($0[0]) << 8 | Int($0[1]) } }
    func le16(_ o: Int) -> Int? { bytes(o, 2).map { Int($0[0]) | Int($0[1]) << 8 } }
    func be32(_ o: Int) -> Int? {
        bytes(o, 4).map { Int($0[0]) << 24 | Int($0[1]) << 16 | Int($0[2]) << 8 | Int($0[3]) }
    }
    func le32(_ o: Int) -> Int? {
        bytes(o, 4).map { Int($0[0]) | Int($0[1]) << 8 | Int($0[2]) << 16 | Int($0[3]) << 24 }
    }
    /// True when `n` bytes at `offset` lie inside the data.
    func has(_ offset: Int, _ n: Int) -> Bool { offset >= 0 && n >= 0 && offset <= count - n }
}

extension Array: ImageBytes where Element == UInt8 {
    func bytes(_ offset: Int, _ n: Int) -> [UInt8]? {
        guard has(offset, n) else { return nil }
        return Array(self[offset..<offset + n])
    }
}

/// An open regular file read through a window: the first 64 KB are read once; a read outside the window reads the
/// 16 KB from there (headers are walked forward in small steps, or jump a segment at a time).
final class FileBytes: ImageBytes {
    static let window = 64 * 1024
    static let step = 16 * 1024
    let file: RegularFile
    let count: Int
    private var windowStart = 0
    private var windowBytes: [UInt8]

    init(_ file: RegularFile) {
        self.file = file
        count = file.size
        windowBytes = file.prefix(Self.window)
    }

    /// The first bytes (up to 64 KB), already read.
    var head: [UInt8] { windowStart == 0 ? windowBytes : file.prefix(Self.window) }

    func bytes(_ offset: Int, _ n: Int) -> [UInt8]? {
        guard has(offset, n) else { return nil }
        if offset >= windowStart, offset + n <= windowStart + windowBytes.count {
            return Array(windowBytes[(offset - windowStart)..<(offset - windowStart + n)])
        }
        if n > Self.step {
            guard let direct = file.read(at: offset, count: n), direct.count == n else { return nil }
            return direct
        }
        guard let block = file.read(at: offset, count: min(Self.step, count - offset)), block.count >= n else {
            return nil
        }
        windowStart = offset
        windowBytes = block
        return Array(block[0..<n])
    }
}
