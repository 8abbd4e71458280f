import Foundation
import Platform

/// The built-in file browser, drawn by the window when no desktop file chooser is installed: one folder's entries,
/// folders first, hidden files left out.
struct FileBrowser: Equatable {
    struct Entry: Equatable {
        let name: String
        let isFolder: Bool
    }
    let folder: String
    let entries: [Entry]
    let error: String?
    var scroll = 0
    /// Choosing a folder to index (its images are listed, not openable) instead of a file to open.
    var forFolder = false

    static let openable = [
        "png", "jpg", "jpeg", "bmp", "gif", "webp", "tif", "tiff", "h5", "hdf5", "keras", "onnx", "safetensors",
    ]

    init(folder: String, forFolder: Bool = false) {
        self.folder = folder
        self.forFolder = forFolder
        do {
            let names = try FileManager.default.contentsOfDirectory(atPath: folder).filter { !$0.hasPrefix(".") }
            var list: [Entry] = []
            for n in names {
                var isDir: ObjCBool = false
                FileManager.default.fileExists(
                    atPath: (folder as NSString).appendingPathComponent(n), isDirectory: &isDir)
                if isDir.boolValue || Self.openable.contains((n as NSString).pathExtension.lowercased()) {
                    list.append(Entry(name: n, isFolder: isDir.boolValue))
                }
            }
            entries = list.sorted {
                $0.isFolder != $1.isFolder
                    ? $0.isFolder : $0.name.localizedStandardCompare($1.name) == .orderedAscending
            }
            error = nil
        } catch {
            entries = []
            self.error = "\(folder) cannot be listed: \((error as NSError).localizedDescription)"
        }
    }

    var parent: String { (folder as NSString).deletingLastPathComponent }
    func path(_ e: Entry) -> String { (folder as NSString).appendingPathComponent(e.name) }
}

/// A desktop file chooser, run off the UI thread: the XDG desktop portal where one runs, else zenity or kdialog,
/// whichever is installed (else the caller shows its built-in browser).
enum FileChooser {
    enum Outcome { case chosen(String), cancelled, unavailable }

    static func run(startIn folder: String, completion: @escaping (Outcome) -> Void) {
        DispatchQueue.global(qos: .userInitiated).async {
            switch PortalFileChooser.open(title: "Open an image or a model") {
            case .chosen(let path):
                completion(.chosen(path))
                return
            case .cancelled:
                completion(.cancelled)
                return
            case .unavailable: break
            }
            let filter =
                "Images and models | *.png *.jpg *.jpeg *.bmp *.gif *.webp *.tif *.tiff *.h5 *.keras *.onnx *.safetensors"
            let tools: [(String, [String])] = [
                (
                    "zenity",
                    [
                        "--file-selection", "--title=Open an image or a model", "--filename=\(folder)/",
                        "--file-filter=\(filter)",
                        "--file-filter=All files | *",
                    ]
                ),
                (
                    "kdialog",
                    [
                        "--getopenfilename", folder,
                        "*.png *.jpg *.jpeg *.bmp *.gif *.webp *.tif *.tiff *.h5 *.keras *.onnx *.safetensors",
                    ]
                ),
            ]
            completion(runFirstInstalled(tools))
        }
    }

    /// The same for a folder (the portal is asked only for files).
    static func runForFolder(startIn folder: String, completion: @escaping (Outcome) -> Void) {
        DispatchQueue.global(qos: .userInitiated).async {
            let tools: [(String, [String])] = [
                (
                    "zenity",
                    ["--file-selection", "--directory", "--title=Index a folder of photos", "--filename=\(folder)/"]
                ),
                ("kdialog", ["--getexistingdirectory", folder]),
            ]
            completion(runFirstInstalled(tools))
        }
    }

    /// Runs the first of `tools` that is installed and reads the path it prints.
    private static func runFirstInstalled(_ tools: [(String, [String])]) -> Outcome {
        for (tool, args) in tools {
            guard let exe = which(tool) else { continue }
            let p = Process()
            let out = Pipe()
            p.executableURL = URL(fileURLWithPath: exe)
            p.arguments = args
            p.standardOutput = out
            p.standardError = FileHandle.nullDevice
            do { try p.run() } catch { continue }
            let data = out.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            let path = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .newlines)
            return p.terminationStatus == 0 && !path.isEmpty ? .chosen(path) : .cancelled
        }
        return .unavailable
    }

    static func which(_ tool: String) -> String? {
        let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        return dirs.map { "\($0)/\(tool)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
