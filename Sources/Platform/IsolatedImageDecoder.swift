import Isolation
import Foundation
import Raster

/// `ImageFile.load` in a long-lived child process (this executable in the `decode-images` mode): SDL2_image's decoders
/// are C code that a hostile file can crash (the fuzzer found a SIGSEGV in its GIF decoder). The child is started on
/// the first image and kept, so an image costs a request over a socket and a copy of its pixels, not a process start
/// (about 24 ms here); the pixels are written into shared pages once and copied once on this side. When the child
/// crashes, hangs or hits its memory limit, the image is refused with `ImageError.hostile` and the next image starts a
/// new child. Without `IsolatedChild.executable` (unit tests), images are decoded in this process.
public final class IsolatedImageDecoder: @unchecked Sendable {
    public static let mode = "decode-images"
    /// This decoder's entry in `ChildModes.runIfChild`.
    public static let childMode: ChildModes.Mode = (mode, { _ in childMain() })
    public static let shared = IsolatedImageDecoder()
    /// Longer than any real image takes (a 100-megapixel PNG decodes in about 3 s here).
    static let secondsPerImage: Double = 20
    /// Room for the largest image ConvScope takes (100 megapixels: decoded, converted and copied) and the process.
    static let addressSpaceBytes = 4 << 30

    private struct Child {
        let pid: pid_t
        let socket: Int32
        let answer: Int32
    }
    private let lock = NSLock()
    private var child: Child?

    public init() {}

    deinit { if let child { stop(child) } }

    public func load(path: String) throws -> RGBAImage {
        guard let executable = IsolatedChild.executable else { return try ImageFile.load(path: path) }
        lock.lock()
        defer { lock.unlock() }
        let name = (path as NSString).lastPathComponent
        let child = try self.child ?? start(executable)
        self.child = child
        var reply: UInt8 = 0
        let request = ImageRequest.encode(path)
        let sent = request.withUnsafeBytes { send(child.socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        let answered = sent == request.count ? receiveByte(child.socket, into: &reply) : .closed
        switch answered {
        case .byte:
            return try ImageAnswer.read(child.answer, status: reply, name: name)
        case .closed:
            self.child = nil
            throw ImageError.hostile(file: name, detail: describe(ended(child)))
        case .timedOut:
            self.child = nil
            stop(child)
            throw ImageError.hostile(file: name, detail: "decoding it did not finish in \(Int(Self.secondsPerImage)) s")
        }
    }

    private func start(_ executable: String) throws -> Child {
        var pair: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else {
            throw ImageError.unreadable(
                path: executable, reason: "cannot start the image decoder: \(String(cString: strerror(errno)))")
        }
        defer { close(pair[1]) }
        let answer = try IsolatedChild.unlinkedTemporaryFile()
        do {
            let pid = try IsolatedChild.spawn(
                executable: executable, mode: Self.mode, arguments: [],
                limits: .init(seconds: 1e7, addressSpaceBytes: Self.addressSpaceBytes),
                descriptors: [0: pair[1], IsolatedChild.answerDescriptor: answer])
            return Child(pid: pid, socket: pair[0], answer: answer)
        } catch {
            close(pair[0])
            close(answer)
            throw error
        }
    }

    private enum Received { case byte, closed, timedOut }

    private func receiveByte(_ socket: Int32, into byte: inout UInt8) -> Received {
        var fds = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        let deadline = Date().addingTimeInterval(Self.secondsPerImage)
        while true {
            let left = Int32(max(0, deadline.timeIntervalSinceNow) * 1000)
            let r = poll(&fds, 1, left)
            if r < 0 && errno == EINTR { continue }
            if r == 0 { return .timedOut }
            let n = recv(socket, &byte, 1, 0)
            if n < 0 && errno == EINTR { continue }
            return n == 1 ? .byte : .closed
        }
    }

    /// Reaps a child whose socket closed: it crashed or was killed.
    private func ended(_ child: Child) -> IsolatedChild.Outcome {
        close(child.socket)
        close(child.answer)
        return IsolatedChild.wait(child.pid, seconds: 2)
    }

    private func stop(_ child: Child) {
        kill(child.pid, SIGKILL)
        _ = ended(child)
    }

    private func describe(_ outcome: IsolatedChild.Outcome) -> String {
        switch outcome {
        case .signalled(let s): return "decoding it crashed the image library (\(IsolatedChild.signalName(s)))"
        case .exited(let code): return "the image decoder stopped with status \(code)"
        case .timedOut: return "the image decoder stopped answering"
        }
    }

    /// The child's side: answers requests on stdin (a socket) until it closes. Returns the exit status.
    public static func childMain() -> Int32 {
        while let path = ImageRequest.read(0) {
            let status: UInt8
            do {
                try ImageAnswer.decode(path, into: IsolatedChild.answerDescriptor)
                status = 0
            } catch {
                ImageAnswer.unmap()
                ChildAnswer.writeError("\(error)")
                status = UInt8(ChildAnswer.errorStatus)
            }
            var reply = status
            guard send(0, &reply, 1, Int32(MSG_NOSIGNAL)) == 1 else { return 0 }
        }
        return 0
    }
}
