import Foundation

/// The progress of `convscope index` on stderr: a bar redrawn in place on a terminal (at most ten times a second),
/// else a plain line every ten seconds. Other messages go through `say`, so they never land in the middle of the bar.
final class IndexProgressBar {
    private let terminal = isatty(2) == 1
    private var lastDraw = Date.distantPast
    private var shown = false

    func update(_ p: IndexProgress) {
        let now = Date()
        let final = p.done == p.total
        guard final || now.timeIntervalSince(lastDraw) >= (terminal ? 0.1 : 10) else { return }
        lastDraw = now
        let speed = p.imagesPerSecond > 0 ? String(format: "%.1f images/s", p.imagesPerSecond) : "starting"
        let left = p.secondsLeft.map { " · " + Self.clock($0) + " left" } ?? ""
        if terminal {
            let width = 30, filled = p.total > 0 ? width * p.done / p.total : width
            let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
            write("\r\u{1B}[K\(bar) \(p.done)/\(p.total) · \(speed)\(left)")
            shown = true
        } else if p.done > 0 && !final {
            write("\(p.done) of \(p.total) files done · \(speed)\(left)\n")
        }
    }

    /// A line of its own, above the bar.
    func say(_ line: String) {
        write((shown ? "\r\u{1B}[K" : "") + line + "\n")
        if terminal { lastDraw = .distantPast }   // redraw the bar below the line at once
    }

    /// Leaves the bar's line as it is and moves below it.
    func finish() {
        if shown { write("\n") }
        shown = false
    }

    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
            : String(format: "%d:%02d", s / 60, s % 60)
    }

    private func write(_ s: String) { FileHandle.standardError.write(Data(s.utf8)) }
}
