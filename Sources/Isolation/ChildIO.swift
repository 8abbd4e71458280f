import Foundation

/// Whole reads and writes at an offset of a file shared with a child process, retried on EINTR and short counts.
public enum ChildIO {
    public static func writeAll(_ fd: Int32, _ bytes: [UInt8], at offset: Int) throws {
        try bytes.withUnsafeBytes { try writeAll(fd, $0, at: offset) }
    }

    public static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int) throws {
        var done = 0
        while done < bytes.count {
            let n = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset + done))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                throw ChildError.answer(String(cString: strerror(errno)))
            }
            done += n
        }
    }

    public static func readExactly(_ fd: Int32, count: Int, at offset: Int) throws -> [UInt8] {
        try [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            try preadAll(fd, UnsafeMutableRawBufferPointer(buffer), at: offset)
            initialized = count
        }
    }

    public static func preadAll(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws {
        var done = 0
        while done < buffer.count {
            let n = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                throw ChildError.answer(n == 0 ? "it ends early" : String(cString: strerror(errno)))
            }
            done += n
        }
    }
}
