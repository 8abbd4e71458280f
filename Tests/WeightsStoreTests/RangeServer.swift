import Foundation
import WeightsStore
import XCTest

/// A small HTTP server on 127.0.0.1 (Python's http.server with a Range-capable handler), run for one test. It serves
/// one file at any path, logs each request's Range header, and can misbehave on purpose.
final class RangeServer {
    struct Options {
        var cutAfter: Int?  // the first GET sends the whole Content-Length, then closes after this many bytes
        var ignoreRange = false  // answer 200 with the whole file even to a Range request
        var status: Int?  // answer every request with this error status
        var slow = false  // send in 8 KB pieces, 20 ms apart
        var hang = false  // accept the connection, never answer
        var stallAfter: Int?  // send this many bytes, then go quiet
        var etag = false  // send an ETag (from the content) and Last-Modified, and honour If-Range
        /// What the n-th GET does (0-based); GETs past the end behave normally. Each is one of:
        /// "ok", "cut:N" (the whole Content-Length, then close after N bytes), "status:S" (HTTP S with an HTML body),
        /// "ignore-range" (200 with the whole file), "wrong-range:D" (206 starting D bytes before the asked start, its
        /// Content-Range saying so), "ignore-if-range" (serve the range even when If-Range names another ETag),
        /// "bogus-206" (206 from byte 5, whatever was asked).
        var plan: [String] = []
    }

    /// One GET as the server saw and answered it.
    struct Request: Decodable, Equatable {
        let range: String?
        let ifRange: String?
        let status: Int
        /// Body bytes written to the socket.
        let sent: Int
    }

    let port: Int
    private let process: Process
    private let logPath: String

    var baseURL: URL { URL(string: "http://127.0.0.1:\(port)/vgg16.h5")! }

    init(serving file: String, in folder: String, options: Options = Options()) throws {
        let script = folder + "/server.py"
        try RangeServer.script.write(toFile: script, atomically: true, encoding: .utf8)
        let portFile = folder + "/server.port"
        logPath = folder + "/server.log"
        var args = [script, file, portFile, logPath]
        if let cut = options.cutAfter { args += ["--cut", String(cut)] }
        if options.ignoreRange { args.append("--ignore-range") }
        if let status = options.status { args += ["--status", String(status)] }
        if options.slow { args.append("--slow") }
        if options.hang { args.append("--hang") }
        if let stall = options.stallAfter { args += ["--stall", String(stall)] }
        if options.etag { args.append("--etag") }
        if !options.plan.isEmpty { args += ["--plan", options.plan.joined(separator: ",")] }
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + args
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(15)
        var found: Int?
        while Date() < deadline {
            if let text = try? String(contentsOfFile: portFile, encoding: .utf8), text.hasSuffix("\n"),
                let p = Int(text.trimmingCharacters(in: .whitespacesAndNewlines))
            {
                found = p
                break
            }
            usleep(20_000)
        }
        guard let found else {
            process.terminate()
            throw NSError(domain: "RangeServer", code: 1)
        }
        port = found
    }

    deinit {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }

    /// The Range header of each GET, "-" when none.
    var ranges: [String] {
        ((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    /// Each finished GET, in the order they finished.
    var requests: [Request] {
        ((try? String(contentsOfFile: logPath + ".done", encoding: .utf8)) ?? "").split(separator: "\n")
            .compactMap { try? JSONDecoder().decode(Request.self, from: Data($0.utf8)) }
    }

    /// Waits (at most `seconds`) until `count` GETs have finished.
    @discardableResult
    func waitForRequests(_ count: Int, seconds: TimeInterval = 10) -> [Request] {
        let deadline = Date().addingTimeInterval(seconds)
        while requests.count < count && Date() < deadline { usleep(20_000) }
        return requests
    }

    /// The ETag the server gives the file's current content (with `etag`).
    static func etag(of data: Data) -> String {
        "\"" + Digest.hex(.md5, of: data).prefix(16) + "\""
    }

    static let script = #"""
        import email.utils, hashlib, json, os, sys, threading, time
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        path, port_file, log_path = sys.argv[1], sys.argv[2], sys.argv[3]
        args = sys.argv[4:]
        cut = int(args[args.index("--cut") + 1]) if "--cut" in args else None
        status = int(args[args.index("--status") + 1]) if "--status" in args else None
        ignore_range = "--ignore-range" in args
        slow = "--slow" in args
        hang = "--hang" in args
        stall = int(args[args.index("--stall") + 1]) if "--stall" in args else None
        etag_on = "--etag" in args
        plan = args[args.index("--plan") + 1].split(",") if "--plan" in args else []
        lock = threading.Lock()
        state = {"gets": 0}

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"
            def log_message(self, *a): pass

            def do_GET(self):
                rng = self.headers.get("Range")
                if_range = self.headers.get("If-Range")
                with lock:
                    index = state["gets"]
                    state["gets"] += 1
                    with open(log_path, "a") as log:
                        log.write((rng or "-") + "\n")
                step = plan[index] if index < len(plan) else "ok"
                self.answer = {"range": rng, "ifRange": if_range, "status": 0, "sent": 0}
                try:
                    self.serve(rng, if_range, index == 0, step)
                finally:
                    with lock:
                        with open(log_path + ".done", "a") as log:
                            log.write(json.dumps(self.answer) + "\n")

            def status_line(self, code):
                self.answer["status"] = code
                self.send_response(code)

            def send(self, chunk):
                self.wfile.write(chunk); self.wfile.flush()
                self.answer["sent"] += len(chunk)

            def serve(self, rng, if_range, first, step):
                if hang:
                    time.sleep(60); return
                if step.startswith("status:") or status:
                    code = int(step[7:]) if step.startswith("status:") else status
                    body = b"" if status and not step.startswith("status:") else \
                        ("<html><body><h1>%d</h1>%s</body></html>\n" % (code, "x" * 3000)).encode()
                    self.status_line(code); self.send_header("Content-Type", "text/html")
                    self.send_header("Content-Length", str(len(body))); self.end_headers()
                    self.send(body); return
                data = open(path, "rb").read()
                size = len(data)
                tag = '"%s"' % hashlib.md5(data).hexdigest()[:16]
                start = 0
                ranged = rng and not ignore_range and step != "ignore-range" and rng.startswith("bytes=") and rng.endswith("-")
                if ranged and etag_on and if_range is not None and if_range != tag and step != "ignore-if-range":
                    ranged = False   # RFC 9110: a Range whose If-Range does not match is ignored: the whole file
                if step == "bogus-206":
                    start = 5
                    self.status_line(206)
                    self.send_header("Content-Range", "bytes %d-%d/%d" % (start, size - 1, size))
                elif ranged:
                    start = int(rng[6:-1])
                    if start >= size:
                        self.status_line(416); self.send_header("Content-Range", "bytes */%d" % size)
                        self.send_header("Content-Length", "0"); self.end_headers(); return
                    if step.startswith("wrong-range:"):
                        start = max(0, start - int(step[12:]))
                    self.status_line(206)
                    self.send_header("Content-Range", "bytes %d-%d/%d" % (start, size - 1, size))
                else:
                    self.status_line(200)
                body = data[start:]
                if etag_on:
                    self.send_header("ETag", tag)
                    self.send_header("Last-Modified", email.utils.formatdate(os.stat(path).st_mtime, usegmt=True))
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    if stall is not None:
                        self.send(body[:stall]); time.sleep(60); return
                    if step.startswith("cut:") or (first and cut is not None):
                        self.send(body[:int(step[4:]) if step.startswith("cut:") else cut])
                        self.close_connection = True
                        return
                    piece = 8192 if slow else 1 << 20
                    for i in range(0, len(body), piece):
                        self.send(body[i:i + piece])
                        if slow: time.sleep(0.02)
                except (BrokenPipeError, ConnectionResetError):
                    return

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        with open(port_file + ".tmp", "w") as f:
            f.write("%d\n" % server.server_address[1])
        os.rename(port_file + ".tmp", port_file)
        server.serve_forever()
        """#
}
