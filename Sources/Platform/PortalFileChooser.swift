import CDBus
import Foundation

/// The XDG desktop portal's file chooser (org.freedesktop.portal.FileChooser over the session D-Bus): the dialog
/// of the person's own desktop, sandboxed or not. Blocking; call it off the UI thread.
public enum PortalFileChooser {
    public enum Outcome: Equatable { case chosen(String), cancelled, unavailable }

    /// Asks the portal for one file; `.unavailable` at once when there is no session bus (one is never started for
    /// this) or no portal answers.
    public static func open(title: String, timeoutSeconds: Int = 600,
                            environment env: [String: String] = ProcessInfo.processInfo.environment) -> Outcome {
        let runtimeBus = env["XDG_RUNTIME_DIR"].map { $0 + "/bus" }
        let hasBus = env["DBUS_SESSION_BUS_ADDRESS"].map { !$0.isEmpty } ?? false
            || runtimeBus.map { FileManager.default.fileExists(atPath: $0) } ?? false
        guard hasBus else { return .unavailable }
        var status: Int32 = 2
        let uri = convscope_portal_open_file(title, Int32(clamping: timeoutSeconds * 1000), &status)
        defer { free(uri) }
        switch status {
        case 0:
            guard let uri, let url = URL(string: String(cString: uri)), url.isFileURL else { return .cancelled }
            return .chosen(url.path)
        case 1: return .cancelled
        default: return .unavailable
        }
    }
}
