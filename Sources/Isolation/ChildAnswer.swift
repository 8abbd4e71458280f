import Foundation

/// A child's error: "CSERROR1" and the error's description, exit status 3.
public enum ChildAnswer {
    public static let errorStatus: Int32 = 3
    static let magic = Array("CSERROR1".utf8)

    public static func writeError(_ message: String) {
        _ = ftruncate(IsolatedChild.answerDescriptor, 0)
        try? ChildIO.writeAll(IsolatedChild.answerDescriptor, magic + Array(message.utf8.prefix(4096)), at: 0)
    }

    public static func readError(_ fd: Int32, size: Int) -> String? {
        guard size > magic.count, size <= 4096 + magic.count,
            let bytes = try? ChildIO.readExactly(fd, count: size, at: 0), Array(bytes.prefix(8)) == magic
        else { return nil }
        return String(decoding: bytes.dropFirst(8), as: UTF8.self)
    }
}
