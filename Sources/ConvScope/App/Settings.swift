import ConvEngine
import Foundation

/// What the window remembers between runs, in `$XDG_CONFIG_HOME/convscope/settings.json` (default
/// `~/.config/convscope/`): window size, last layer, Grad-CAM opacity, grid options, recent files, export folder,
/// the index folder, the filter method with its size and steps.
struct Settings: Codable, Equatable {
    var windowWidth: Int?
    var windowHeight: Int?
    var layer: String?
    var camOpacity: Float?
    var grid: GridOptions?
    var recentFiles: [String]?
    /// The export folder last given with --export-dir.
    var exportFolder: String?
    /// The folder of photos last indexed for the channel dossier.
    var indexFolder: String?
    /// The filter images' method and each method's size and steps, as last chosen.
    var filters: FilterChoice?

    /// What the filter controls choose: only these are kept, so a new version's other defaults still apply.
    struct FilterChoice: Codable, Equatable {
        var method: FilterMethod
        var lucidSize: Int, lucidSteps: Int
        var plainSize: Int, plainSteps: Int
    }

    static func folder(environment env: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let xdg = env["XDG_CONFIG_HOME"], xdg.hasPrefix("/") { return xdg + "/convscope" }
        return (env["HOME"] ?? NSHomeDirectory()) + "/.config/convscope"
    }

    static var path: String { folder() + "/settings.json" }

    /// The saved settings, or none when there are none or they cannot be read (a damaged file is ignored).
    static func load() -> Settings {
        guard let data = FileManager.default.contents(atPath: path), data.count < 1 << 20,
            let s = try? JSONDecoder().decode(Settings.self, from: data)
        else { return Settings() }
        return s
    }

    /// Writes atomically (temporary file, then rename); a failure is reported, never fatal.
    func save() -> String? {
        do {
            try FileManager.default.createDirectory(atPath: Settings.folder(), withIntermediateDirectories: true)
            let data = try JSONEncoder().encode(self)
            let tmp = Settings.path + ".tmp"
            guard FileManager.default.createFile(atPath: tmp, contents: data) else { return "cannot write \(tmp)" }
            guard rename(tmp, Settings.path) == 0 else { return "cannot replace \(Settings.path)" }
            return nil
        } catch {
            return "\(error)"
        }
    }
}
