import Isolation
import Foundation
import Raster

/// A request to the image decoder child: the path's length (UInt32 LE) and its UTF-8 bytes.
enum ImageRequest {
    static let maxPathBytes = 1 << 16

    static func encode(_ path: String) -> [UInt8] {
        let bytes = Array(path.utf8)
        return withUnsafeBytes(of: UInt32(bytes.count).littleEndian) { Array($0) } + bytes
    }

    /// The next request on `fd`, or nil when the parent has gone.
    static func read(_ fd: Int32) -> String? {
        guard let length = readExactly(fd, 4) else { return nil }
        let n = Int(length.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(as: UInt32.self)) })
        guard n <= maxPathBytes, let bytes = readExactly(fd, n) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func readExactly(_ fd: Int32, _ count: Int) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = bytes.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + done, count - done, 0) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return nil }
            done += n
        }
        return bytes
    }
}

/// The decoder child's answer in the shared answer file: "CSIMAGE1", width and height (UInt32 LE each), then the
/// RGBA pixels (the file may be longer); or `ChildAnswer`'s error.
enum ImageAnswer {
    static let magic = Array("CSIMAGE1".utf8)

    /// The child's mapping of the answer file, grown to the largest image so far, so a new image costs one
    /// composited copy of its rows into shared pages and no fresh pages.
    nonisolated(unsafe) private static var mapping: (base: UnsafeMutableRawPointer, size: Int)?

    /// Decodes `path` straight into the answer file (fd `fd`): header, then the rows composited over white.
    static func decode(_ path: String, into fd: Int32) throws {
        try ImageFile.withPixels(path: path) { w, h, pitch, base in
            let size = 16 + w * h * 4
            let out = try map(fd, size: size)
            var header = magic
            for v in [w, h] { withUnsafeBytes(of: UInt32(v).littleEndian) { header += $0 } }
            header.withUnsafeBytes { out.copyMemory(from: $0.baseAddress!, byteCount: 16) }
            let pixels = (out + 16).assumingMemoryBound(to: UInt8.self)
            for y in 0..<h { RGBAImage.compositeOverWhite(base + y * pitch, into: pixels + y * w * 4, count: w) }
        }
    }

    /// Forgets the mapping (the file was cut to write an error).
    static func unmap() {
        if let m = mapping { munmap(m.base, m.size) }
        mapping = nil
    }

    private static func map(_ fd: Int32, size: Int) throws -> UnsafeMutableRawPointer {
        if let m = mapping, m.size >= size { return m.base }
        unmap()
        var st = stat()
        guard fstat(fd, &st) == 0, Int(st.st_size) >= size || ftruncate(fd, off_t(size)) == 0,
            let base = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), base != MAP_FAILED
        else {
            throw ImageError.unreadable(path: "the image decoder's answer", reason: String(cString: strerror(errno)))
        }
        mapping = (base, size)
        return base
    }

    static func read(_ fd: Int32, status: UInt8, name: String) throws -> RGBAImage {
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            throw ImageError.unreadable(path: name, reason: String(cString: strerror(errno)))
        }
        let size = Int(st.st_size)
        if Int32(status) == ChildAnswer.errorStatus {
            throw ImageError.reported(
                ChildAnswer.readError(fd, size: size) ?? "\(name): the image decoder gave no reason")
        }
        let header = try ChildIO.readExactly(fd, count: 16, at: 0)
        guard status == 0, Array(header.prefix(8)) == magic else {
            throw ImageError.hostile(file: name, detail: "the image decoder's answer is damaged")
        }
        let w = Int(header[8..<12].withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(as: UInt32.self)) })
        let h = Int(header[12..<16].withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(as: UInt32.self)) })
        guard w <= ImageFile.maxSide, h <= ImageFile.maxSide, w * h <= ImageFile.maxPixels, 16 + w * h * 4 <= size
        else {
            throw ImageError.hostile(file: name, detail: "the image decoder's answer is damaged")
        }
        let pixels = try ChildIO.readExactly(fd, count: w * h * 4, at: 16)
        return RGBAImage(width: w, height: h, pixels: pixels)
    }
}
