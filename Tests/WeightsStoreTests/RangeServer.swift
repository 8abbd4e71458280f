import Foundation
import XCTest

/// A small HTTP server on 127.0.0.1 (Python's http.server with a Range-capable handler), run for one test. It serves
/// one file at any path, logs each request's Range header, and can misbehave on purpose.
final class RangeServer {
    struct Options {
        var cutAfter: Int?        // the first GET sends the whole Content-Length, then closes after this many bytes
        var ignoreRange = false   // answer 200 with the whole file even to a Range request
        var status: Int?          // answer every request with this error status
        var slow = false          // send in 8 KB pieces, 20 ms apart
        var hang = false          // accept the connection, never answer
        var stallAfter: Int?      // send this many bytes, then go quiet
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
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + args
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(15)
        var found: Int?
        while Date() < deadline {
            if let text = try? String(contentsOfFile: portFile, encoding: .utf8), text.hasSuffix("\n"),
               let p = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) { found = p; break }
            usleep(20_000)
        }
        guard let found else { process.terminate(); throw NSError(domain: "RangeServer", code: 1) }
        port = found
    }

    deinit {
        if process.isRunning { process.terminate(); process.waitUntilExit() }
    }

    /// The Range header of each GET, "-" when none.
    var ranges: [String] {
        ((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    static let script = #"""
import os, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

path, port_file, log_path = sys.argv[1], sys.argv[2], sys.argv[3]
args = sys.argv[4:]
cut = int(args[args.index("--cut") + 1]) if "--cut" in args else None
status = int(args[args.index("--status") + 1]) if "--status" in args else None
ignore_range = "--ignore-range" in args
slow = "--slow" in args
hang = "--hang" in args
stall = int(args[args.index("--stall") + 1]) if "--stall" in args else None
lock = threading.Lock()
state = {"gets": 0}

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"
    def log_message(self, *a): pass
    def do_GET(self):
        rng = self.headers.get("Range")
        with lock:
            state["gets"] += 1
            first = state["gets"] == 1
            with open(log_path, "a") as log:
                log.write((rng or "-") + "\n")
        if hang:
            time.sleep(60); return
        if status:
            self.send_response(status); self.send_header("Content-Length", "0"); self.end_headers(); return
        data = open(path, "rb").read()
        size = len(data)
        start = 0
        if rng and not ignore_range and rng.startswith("bytes=") and rng.endswith("-"):
            start = int(rng[6:-1])
            if start >= size:
                self.send_response(416); self.send_header("Content-Range", "bytes */%d" % size)
                self.send_header("Content-Length", "0"); self.end_headers(); return
            self.send_response(206)
            self.send_header("Content-Range", "bytes %d-%d/%d" % (start, size - 1, size))
        else:
            self.send_response(200)
        body = data[start:]
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if stall is not None:
            self.wfile.write(body[:stall]); self.wfile.flush(); time.sleep(60); return
        if first and cut is not None:
            self.wfile.write(body[:cut]); self.wfile.flush()
            self.close_connection = True
            return
        step = 8192 if slow else 1 << 20
        for i in range(0, len(body), step):
            try:
                self.wfile.write(body[i:i + step]); self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                return
            if slow: time.sleep(0.02)

server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(port_file + ".tmp", "w") as f:
    f.write("%d\n" % server.server_address[1])
os.rename(port_file + ".tmp", port_file)
server.serve_forever()
"""#
}
