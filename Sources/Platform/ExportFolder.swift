import Foundation

/// Where exports go: `<XDG Pictures folder>/ConvScope/<image name>/`, with `$HOME` respected.
///
/// The Pictures folder is `XDG_PICTURES_DIR` from `$XDG_CONFIG_HOME/user-dirs.dirs` (default
/// `$HOME/.config/user-dirs.dirs`), as xdg-user-dirs writes it (`XDG_PICTURES_DIR="$HOME/Bilder"`), else
/// `$HOME/Pictures`. `$HOME` is the environment's whenever it is set; the passwd entry only when it is not.
public enum ExportFolder {
    public typealias Environment = [String: String]

    /// The user's home: `$HOME` when set and not empty, else the passwd entry's.
    public static func home(_ env: Environment = ProcessInfo.processInfo.environment) -> String {
        if let h = env["HOME"], !h.isEmpty { return h }
        if let pw = getpwuid(getuid()), let dir = pw.pointee.pw_dir, dir.pointee != 0 { return String(cString: dir) }
        return NSHomeDirectory()
    }

    /// `user-dirs.dirs` in `$XDG_CONFIG_HOME` (when absolute, as the XDG spec says) or `$HOME/.config`.
    public static func userDirsFile(_ env: Environment = ProcessInfo.processInfo.environment) -> String {
        let config: String
        if let c = env["XDG_CONFIG_HOME"], c.hasPrefix("/") {
            config = c
        } else {
            config = (home(env) as NSString).appendingPathComponent(".config")
        }
        return (config as NSString).appendingPathComponent("user-dirs.dirs")
    }

    /// The XDG Pictures folder, or `$HOME/Pictures` when user-dirs.dirs does not name one (or names the home itself,
    /// which is how xdg-user-dirs marks a disabled folder).
    public static func pictures(_ env: Environment = ProcessInfo.processInfo.environment) -> String {
        let home = home(env)
        let fallback = (home as NSString).appendingPathComponent("Pictures")
        guard let text = try? String(contentsOfFile: userDirsFile(env), encoding: .utf8),
            let dir = parseUserDir("XDG_PICTURES_DIR", in: text, home: home)
        else { return fallback }
        let standard = (dir as NSString).standardizingPath
        return standard == (home as NSString).standardizingPath || standard == "/" ? fallback : standard
    }

    /// The default export folder: `<Pictures>/ConvScope`. `--export-dir` overrides it.
    public static func defaultFolder(_ env: Environment = ProcessInfo.processInfo.environment) -> String {
        (pictures(env) as NSString).appendingPathComponent("ConvScope")
    }

    /// The folder for one image's exports: `<exports>/<image stem>`; `name` may be a path or a file name.
    public static func forImage(_ name: String, in exports: String) -> String {
        (exports as NSString).appendingPathComponent(folderName(forImage: name))
    }

    /// A safe folder name for an image: its file name without the extension (see `safeName`).
    public static func folderName(forImage name: String) -> String {
        safeName(((name as NSString).lastPathComponent as NSString).deletingPathExtension)
    }

    /// `name` as one folder name: no `/`, not hidden, never empty, `.` or `..`, at most 200 characters.
    public static func safeName(_ name: String) -> String {
        var stem = name.replacingOccurrences(of: "/", with: "_").trimmingCharacters(in: .whitespacesAndNewlines)
        while stem.hasPrefix(".") { stem.removeFirst() }
        if stem.isEmpty { stem = "image" }
        return String(stem.prefix(200))
    }

    /// Shows `folder` in the desktop's file manager (`xdg-open`; `open` on macOS), creating it first. Returns at
    /// once; throws when the folder cannot be created or there is no opener.
    public static func reveal(_ folder: String, _ env: Environment = ProcessInfo.processInfo.environment) throws {
        do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
            throw FileWriteError.failed(
                path: folder, reason: "cannot create the folder: \((error as NSError).localizedDescription)",
                existing: false)
        }
        #if os(macOS)
            let openers = ["/usr/bin/open"]
        #else
            let openers = (env["PATH"] ?? "/usr/local/bin:/usr/bin:/bin")
                .split(separator: ":").map { "\($0)/xdg-open" }
        #endif
        guard let opener = openers.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw RevealError.noOpener(folder: folder)
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: opener)
        p.arguments = [folder]
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        p.terminationHandler = { _ in }  // reaped by Foundation; nothing waits for it
        try p.run()
    }

    public enum RevealError: Error, Equatable, CustomStringConvertible {
        case noOpener(folder: String)
        public var description: String {
            switch self {
            case .noOpener(let f):
                return "cannot open a file manager (xdg-open is not installed); the exports are in \(f)"
            }
        }
    }

    /// The value of `key` in user-dirs.dirs text: `KEY="$HOME/sub"` or `KEY="/abs"`, shell-quoted, `#` comments.
    /// The last assignment wins, as when a shell sources the file. Other forms are ignored, as GLib does.
    static func parseUserDir(_ key: String, in text: String, home: String) -> String? {
        var found: String?
        for raw in text.split(whereSeparator: \.isNewline) {
            var line = Substring(raw).drop(while: { $0 == " " || $0 == "\t" })
            guard line.hasPrefix(key) else { continue }
            line = line.dropFirst(key.count).drop(while: { $0 == " " || $0 == "\t" })
            guard line.first == "=" else { continue }
            line = line.dropFirst().drop(while: { $0 == " " || $0 == "\t" })
            guard line.first == "\"" else { continue }
            line = line.dropFirst()
            var value = ""
            var closed = false
            var chars = line.makeIterator()
            while let c = chars.next() {
                if c == "\\" {
                    if let next = chars.next() { value.append(next) }
                    continue
                }
                if c == "\"" {
                    closed = true
                    break
                }
                value.append(c)
            }
            guard closed else { continue }
            if value == "$HOME" {
                found = home
            } else if value.hasPrefix("$HOME/") {
                found = (home as NSString).appendingPathComponent(String(value.dropFirst("$HOME/".count)))
            } else if value.hasPrefix("/") {
                found = value
            }
        }
        return found
    }
}
