import Foundation

/// Runs risky parsing (libhdf5, image decoders: C code not built for hostile files) in a child process: this same
/// executable re-run in a child mode, with a time limit, an address-space limit and no core dump. The child writes
/// its answer to an unlinked temporary file the parent reads; a crash, a hang or a limit in the child becomes an
/// error here instead of taking the window down.
public enum IsolatedChild {
    /// The argument that starts a child mode: `convscope --convscope-child MODE SECONDS BYTES ARGS…`.
    public static let flag = "--convscope-child"
    /// The executable re-run as the child; nil (the default, e.g. in unit tests) parses in this process.
    nonisolated(unsafe) public static var executable: String?

    public struct Limits: Sendable {
        public var seconds: Double
        public var addressSpaceBytes: Int
        public init(seconds: Double, addressSpaceBytes: Int) {
            self.seconds = seconds
            self.addressSpaceBytes = addressSpaceBytes
        }
    }

    public enum Outcome: Equatable, Sendable {
        case exited(Int32)
        case signalled(Int32)
        case timedOut(seconds: Double)
    }

    /// What the child left: how it ended, its answer (fd at offset 0, with its size), its last line of stderr.
    public struct Result {
        public let outcome: Outcome
        public let answer: Int32
        public let answerSize: Int
        public let stderrTail: String
    }

    /// Runs `mode` with `arguments` in a child. The caller closes `result.answer`. The child's TMPDIR is a private
    /// folder removed when it ends, so what it unpacks (a `.keras` file's weights) goes even when it is killed.
    public static func run(executable: String, mode: String, arguments: [String], limits: Limits) throws -> Result {
        let answer = try unlinkedTemporaryFile()
        let errors = try unlinkedTemporaryFile()
        defer { close(errors) }
        var ok = false
        defer { if !ok { close(answer) } }
        var template = Array((NSTemporaryDirectory() as NSString).appendingPathComponent("convscope-child-XXXXXX").utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw ChildError.noTemporaryFile(reason: String(cString: strerror(errno)))
        }
        let folder = String(cString: made)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let pid = try spawn(
            executable: executable, mode: mode, arguments: arguments, limits: limits,
            descriptors: [2: errors, answerDescriptor: answer], environment: ["TMPDIR": folder])
        let outcome = wait(pid, seconds: limits.seconds)
        var st = stat()
        fstat(answer, &st)
        ok = true
        return Result(outcome: outcome, answer: answer, answerSize: Int(st.st_size), stderrTail: lastLine(errors))
    }

    /// Starts `mode` in a child with `descriptors` (child's fd → this process's fd) in place; stdin and stdout not
    /// given read and write /dev/null. The caller waits for the pid.
    public static func spawn(
        executable: String, mode: String, arguments: [String], limits: Limits,
        descriptors: [Int32: Int32], environment extra: [String: String] = [:]
    ) throws -> pid_t {
        let argv = [executable, flag, mode, String(limits.seconds), String(limits.addressSpaceBytes)] + arguments
        var environment = ProcessInfo.processInfo.environment.merging(extra) { $1 }
        environment["OPENBLAS_NUM_THREADS"] = "1"  // the child parses; it needs no BLAS threads
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if descriptors[0] == nil { posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0) }
        if descriptors[1] == nil { posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0) }
        for (target, source) in descriptors.sorted(by: { $0.key < $1.key }) {
            posix_spawn_file_actions_adddup2(&actions, source, target)
        }
        let cArgs = argv.map { strdup($0) } + [nil]
        let cEnv = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            cArgs.forEach { free($0) }
            cEnv.forEach { free($0) }
        }
        var pid = pid_t()
        let status = posix_spawn(&pid, executable, &actions, nil, cArgs, cEnv)
        guard status == 0 else {
            throw ChildError.cannotStart(
                reason: "\(String(cString: strerror(status)))")
        }
        return pid
    }

    /// In the child, first thing: the limits of `run`, then no core file. Returns the mode and its arguments, or nil
    /// when this process is not a child.
    public static func childArguments(_ argv: [String]) -> (mode: String, arguments: [String])? {
        guard argv.count >= 5, argv[1] == flag, let seconds = Double(argv[3]), let bytes = Int(argv[4]) else {
            return nil
        }
        setLimit(RLIMIT_CORE, 0)
        setLimit(RLIMIT_AS, rlim_t(bytes))
        setLimit(RLIMIT_CPU, rlim_t(seconds.rounded(.up)) + 1)
        return (argv[2], Array(argv.dropFirst(5)))
    }

    /// The child's answer channel (fd 3, set up by `run`).
    public static let answerDescriptor: Int32 = 3

    private static func setLimit(_ resource: __rlimit_resource, _ value: rlim_t) {
        var limit = rlimit(rlim_cur: value, rlim_max: value)
        setrlimit(__rlimit_resource_t(resource.rawValue), &limit)
    }

    /// Waits for `pid` to end, killing it after `seconds`.
    public static func wait(_ pid: pid_t, seconds: Double) -> Outcome {
        let deadline = Date().addingTimeInterval(seconds)
        var status: Int32 = 0
        var pause: useconds_t = 1_000
        while true {
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid { break }
            if r < 0 && errno != EINTR { return .exited(-1) }
            if Date() >= deadline {
                kill(pid, SIGKILL)
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                return .timedOut(seconds: seconds)
            }
            usleep(pause)
            pause = min(pause * 2, 20_000)
        }
        return outcome(status)
    }

    /// How a process that ended with wait status `status` ended.
    public static func outcome(_ status: Int32) -> Outcome {
        let signal = status & 0x7f
        return signal == 0 ? .exited((status >> 8) & 0xff) : .signalled(signal)
    }

    /// An open, already unlinked file in /dev/shm (memory) or the temporary folder: nothing is left behind whatever
    /// happens to either process.
    public static func unlinkedTemporaryFile() throws -> Int32 {
        for folder in ["/dev/shm", NSTemporaryDirectory()] {
            var template = Array("\(folder)/convscope-child-XXXXXX".utf8CString)
            let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
            if fd >= 0 {
                _ = fcntl(fd, F_SETFD, FD_CLOEXEC)  // only the child it is handed to (as fd 3) sees it
                template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
                return fd
            }
        }
        throw ChildError.noTemporaryFile(reason: String(cString: strerror(errno)))
    }

    private static func lastLine(_ fd: Int32) -> String {
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_size > 0 else { return "" }
        let count = min(Int(st.st_size), 4096)
        var bytes = [UInt8](repeating: 0, count: count)
        let n = pread(fd, &bytes, count, off_t(Int(st.st_size) - count))
        let text = String(decoding: bytes.prefix(max(n, 0)), as: UTF8.self)
        return text.split(whereSeparator: \.isNewline).last.map { String($0.prefix(300)) } ?? ""
    }

    /// "signal 11, SIGSEGV".
    public static func signalName(_ signal: Int32) -> String {
        let names: [Int32: String] = [
            SIGSEGV: "SIGSEGV", SIGBUS: "SIGBUS", SIGABRT: "SIGABRT", SIGILL: "SIGILL",
            SIGTRAP: "SIGTRAP", SIGFPE: "SIGFPE", SIGKILL: "SIGKILL", SIGXCPU: "SIGXCPU",
        ]
        return "signal \(signal)" + (names[signal].map { ", \($0)" } ?? "")
    }
}
