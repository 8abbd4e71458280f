import Foundation

/// Finds the checkout ConvScope runs from (for `Weights/` and `Assets/`): walks up from the executable and from the
/// current folder to the first folder holding Package.swift and Assets/.
enum RepoPaths {
    static let root: String? = {
        let exe =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        for start in [(exe as NSString).deletingLastPathComponent, FileManager.default.currentDirectoryPath] {
            var dir = start
            while dir != "/" && !dir.isEmpty {
                let fm = FileManager.default
                if fm.fileExists(atPath: dir + "/Package.swift") && fm.fileExists(atPath: dir + "/Assets") {
                    return dir
                }
                dir = (dir as NSString).deletingLastPathComponent
            }
        }
        return nil
    }()

    /// Where an installed convscope keeps its files (Scripts/install): <prefix>/share/convscope beside <prefix>/bin.
    static let installedShare: String? = {
        let exe =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let dir =
            (((exe as NSString).deletingLastPathComponent as NSString).deletingLastPathComponent) + "/share/convscope"
        return FileManager.default.fileExists(atPath: dir + "/chelsea.png") ? dir : nil
    }()

    static var sampleImage: String? {
        root.map { $0 + "/Assets/chelsea.png" } ?? installedShare.map { $0 + "/chelsea.png" }
    }

    /// Weights files in the repo's Weights/ folder, full ones (bigger) first.
    static var bundledWeights: [String] {
        guard let dir = root.map({ $0 + "/Weights" }),
            let names = try? FileManager.default.contentsOfDirectory(atPath: dir)
        else { return [] }
        let files = names.filter { $0.hasSuffix(".h5") || $0.hasSuffix(".safetensors") }.map { dir + "/" + $0 }
        func size(_ p: String) -> Int { ((try? FileManager.default.attributesOfItem(atPath: p))?[.size] as? Int) ?? 0 }
        return files.sorted { size($0) > size($1) }
    }
}
