import Foundation

/// A real PNG of any size, all black (8-bit grayscale), in a few hundred KB: its pixel rows are all zero bytes, which
/// one fixed-Huffman deflate block codes as one literal and then copies of 258 bytes at distance 1. A 10001×10001
/// image (100.02 megapixels) is 630 KB and takes a fraction of a second to make.
enum BlackPNG {
    static func bytes(width: Int, height: Int) -> [UInt8] {
        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        png += chunk("IHDR", be32(width) + be32(height) + [8, 0, 0, 0, 0])
        png += chunk("IDAT", zlibZeros(count: height * (width + 1)))
        png += chunk("IEND", [])
        return png
    }

    /// zlib (no preset dictionary, fastest) around one final fixed-Huffman block of `count` zero bytes.
    static func zlibZeros(count n: Int) -> [UInt8] {
        var bits = BitWriter()
        bits.put(1, 1)                  // BFINAL
        bits.put(1, 2)                  // BTYPE 01: fixed Huffman
        bits.huffman(0x30, 8)           // literal 0 (codes 0x30… for literals 0–143)
        var left = n - 1
        while left >= 258 {
            bits.huffman(0xC5, 8)       // length code 285: 258 bytes, no extra bits
            bits.huffman(0, 5)          // distance code 0: distance 1
            left -= 258
        }
        for _ in 0..<left { bits.huffman(0x30, 8) }
        bits.huffman(0, 7)              // end of block (256)
        let adler = UInt32(n % 65521) << 16 | 1   // Adler-32 of n zeros: a = 1, b = n
        return [0x78, 0x01] + bits.bytes + be32(Int(adler))
    }

    private struct BitWriter {
        var bytes: [UInt8] = []
        var used = 8
        /// Fields LSB first.
        mutating func put(_ value: Int, _ count: Int) {
            for i in 0..<count {
                if used == 8 { bytes.append(0); used = 0 }
                bytes[bytes.count - 1] |= UInt8((value >> i) & 1) << used
                used += 1
            }
        }
        /// Huffman codes MSB first.
        mutating func huffman(_ code: Int, _ length: Int) {
            for i in stride(from: length - 1, through: 0, by: -1) { put((code >> i) & 1, 1) }
        }
    }

    private static func be32(_ v: Int) -> [UInt8] { [24, 16, 8, 0].map { UInt8((v >> $0) & 0xFF) } }

    private static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let body = Array(type.utf8) + data
        return be32(data.count) + body + be32(Int(crc32(body)))
    }

    private static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var table = [UInt32](repeating: 0, count: 256)
        for i in 0..<256 {
            var c = UInt32(i)
            for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
            table[i] = c
        }
        var crc: UInt32 = 0xFFFF_FFFF
        for b in bytes { crc = table[Int((crc ^ UInt32(b)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }
}
