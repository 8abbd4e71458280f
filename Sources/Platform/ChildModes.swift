import ConvEngine
import Foundation

/// The modes an executable runs as a child (`IsolatedChild`): each parses one file (or, for images, one file per
/// request) and writes its answer. `convscope` and the fuzz replayer both start with `ChildModes.runIfChild()`.
public enum ChildModes {
    /// Runs the child mode and exits when this process was started as one; returns at once otherwise.
    public static func runIfChild() {
        guard let child = IsolatedChild.childArguments(CommandLine.arguments) else { return }
        exit(run(child.mode, child.arguments))
    }

    static func run(_ mode: String, _ arguments: [String]) -> Int32 {
        switch mode {
        case IsolatedModelLoader.mode: return IsolatedModelLoader.childMain(arguments)
        case IsolatedImageDecoder.mode: return IsolatedImageDecoder.childMain()
        default:
            FileHandle.standardError.write(Data("unknown child mode \(mode)\n".utf8))
            return 2
        }
    }
}
