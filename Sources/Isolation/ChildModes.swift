import Foundation

/// The modes an executable runs as a child (`IsolatedChild`), each a name and an entry point that parses one file
/// (or, for images, one file per request) and returns the exit status. `convscope` and the fuzz replayer both start
/// with `ChildModes.runIfChild([IsolatedModelLoader.childMode, IsolatedImageDecoder.childMode])`.
public enum ChildModes {
    public typealias Mode = (name: String, main: ([String]) -> Int32)

    /// Runs the child mode and exits when this process was started as one; returns at once otherwise.
    public static func runIfChild(_ modes: [Mode]) {
        guard let child = IsolatedChild.childArguments(CommandLine.arguments) else { return }
        guard let mode = modes.first(where: { $0.name == child.mode }) else {
            FileHandle.standardError.write(Data("unknown child mode \(child.mode)\n".utf8))
            exit(2)
        }
        exit(mode.main(child.arguments))
    }
}
