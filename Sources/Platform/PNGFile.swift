import CSDL2
import CSDL2Image
import Foundation
import Raster

/// Writes RGBA images as PNG: SDL2_image encodes into memory, then `AtomicFile` writes the bytes with every write
/// checked, fsyncs and renames them into place. (SDL_image's own file writer does not report short writes, so on a
/// full disk it would leave a truncated PNG and say it succeeded.)
public enum PNGFile {
    /// The image could not be encoded (it is empty, or SDL_image failed).
    public struct EncodingError: Error, Equatable, CustomStringConvertible {
        public let reason: String
        public var description: String { "the PNG could not be encoded (\(reason))" }
    }

    /// `image` as PNG file bytes.
    public static func encode(_ image: RGBAImage) throws -> Data {
        guard image.width > 0, image.height > 0, image.pixels.count == image.width * image.height * 4 else {
            throw EncodingError(reason: "the image is \(image.width)×\(image.height) pixels")
        }
        let sink = MemorySink()
        guard let rw = sink.makeRWops() else { throw EncodingError(reason: String(cString: SDL_GetError())) }
        defer { SDL_FreeRW(rw) }
        var pixels = image.pixels
        let status: Int32 = pixels.withUnsafeMutableBytes { raw in
            guard
                let s = SDL_CreateRGBSurfaceWithFormatFrom(
                    raw.baseAddress, Int32(image.width), Int32(image.height), 32,
                    Int32(image.width * 4), SDL_PIXELFORMAT_RGBA32.rawValue)
            else { return -1 }
            defer { SDL_FreeSurface(s) }
            return withQuietStderr { IMG_SavePNG_RW(s, rw, 0) }
        }
        guard status == 0, !sink.failed, sink.bytes.count > 8 else {
            let sdl = String(cString: SDL_GetError())
            throw EncodingError(reason: sink.failed ? "out of memory" : sdl.isEmpty ? "SDL_image failed" : sdl)
        }
        return sink.bytes
    }

    /// Encodes `image` and writes it to `path` (see `AtomicFile`): on any failure — a full disk included — the
    /// destination is left exactly as it was and the error says what happened (`FileWriteError`,
    /// `ImageError.exists` when `replace` is false and `path` is taken).
    public static func write(_ image: RGBAImage, to path: String, replace: Bool = true) throws {
        let data: Data
        do { data = try encode(image) } catch let e as EncodingError {
            throw FileWriteError.failed(
                path: path, reason: e.description, existing: FileManager.default.fileExists(atPath: path))
        }
        try AtomicFile.write(data, to: path, replace: replace)
    }
}

/// A growing in-memory SDL_RWops target (SDL has only fixed-size memory RWops).
private final class MemorySink {
    var bytes = Data()
    var position = 0
    var failed = false
    static let limit = 1 << 31

    func makeRWops() -> UnsafeMutablePointer<SDL_RWops>? {
        guard let rw = SDL_AllocRW() else { return nil }
        rw.pointee.type = UInt32(SDL_RWOPS_UNKNOWN)
        rw.pointee.hidden.unknown.data1 = Unmanaged.passUnretained(self).toOpaque()
        rw.pointee.size = { rw in Sint64(MemorySink.of(rw).bytes.count) }
        rw.pointee.seek = { rw, offset, whence in
            let sink = MemorySink.of(rw)
            let base: Int
            switch Int32(whence) {
            case RW_SEEK_SET: base = 0
            case RW_SEEK_CUR: base = sink.position
            case RW_SEEK_END: base = sink.bytes.count
            default: return -1
            }
            let target = base + Int(offset)
            guard target >= 0, target <= MemorySink.limit else { return -1 }
            sink.position = target
            return Sint64(target)
        }
        rw.pointee.read = { rw, ptr, size, count in
            let sink = MemorySink.of(rw)
            guard let ptr, size > 0 else { return 0 }
            let n = min(count, max(0, sink.bytes.count - sink.position) / size)
            sink.bytes.copyBytes(
                to: ptr.assumingMemoryBound(to: UInt8.self), from: sink.position..<(sink.position + n * size))
            sink.position += n * size
            return n
        }
        rw.pointee.write = { rw, ptr, size, count in
            let sink = MemorySink.of(rw)
            guard let ptr, size > 0, count > 0 else { return 0 }
            let (length, overflow) = size.multipliedReportingOverflow(by: count)
            guard !overflow, sink.position + length <= MemorySink.limit else {
                sink.failed = true
                return 0
            }
            let chunk = UnsafeRawBufferPointer(start: ptr, count: length)
            if sink.position > sink.bytes.count { sink.bytes.append(Data(count: sink.position - sink.bytes.count)) }
            let overlap = min(length, sink.bytes.count - sink.position)
            if overlap > 0 {
                sink.bytes.replaceSubrange(sink.position..<(sink.position + overlap), with: chunk[0..<overlap])
            }
            if overlap < length { sink.bytes.append(contentsOf: chunk[overlap...]) }
            sink.position += length
            return count
        }
        rw.pointee.close = { _ in 0 }  // IMG_SavePNG_RW(…, freedst: 0) does not close; the owner frees it
        return rw
    }

    static func of(_ rw: UnsafeMutablePointer<SDL_RWops>?) -> MemorySink {
        Unmanaged<MemorySink>.fromOpaque(rw!.pointee.hidden.unknown.data1).takeUnretainedValue()
    }
}
