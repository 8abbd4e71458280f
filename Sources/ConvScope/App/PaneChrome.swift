import ConvEngine
import ImmediateUI

/// What every pane draws the same way: its frame and heading, numbers, a channel's range.
enum PaneChrome {
    /// A pane's frame and its title; returns the rect below the heading.
    static func pane(_ ui: UIContext, _ r: Rect, _ title: String, _ caption: String, shorter: [String] = []) -> Rect {
        ui.draw(.rect(r, ui.theme.panel))
        ui.draw(.rectOutline(r, ui.theme.border, thickness: 1))
        let y = ui.heading(title, caption, at: Vec2(r.x + 12, r.y + 10), width: r.w - 24, shorter: shorter)
        return Rect(r.x + 12, y, r.w - 24, max(0, r.maxY - y - 10))
    }

    static func format(_ v: Float) -> String {
        abs(v) >= 100 ? String(format: "%.0f", v) : abs(v) >= 1 ? String(format: "%.2f", v) : String(format: "%.3g", v)
    }

    static func channelRange(_ map: FeatureMap, _ c: Int) -> (min: Float, max: Float, mean: Float) {
        var lo = Float.infinity
        var hi = -Float.infinity
        var sum: Float = 0
        map.data.withUnsafeBufferPointer { p in
            var i = c
            while i < p.count {
                let v = p[i]
                lo = min(lo, v)
                hi = max(hi, v)
                sum += v
                i += map.channels
            }
        }
        return (lo, hi, sum / Float(map.height * map.width))
    }

    /// A download button (`label`, with a stable id) or, while the download runs, its progress.
    static func downloadOffer(
        _ ui: UIContext, _ s: AppState, _ label: String, fullOnly: Bool, _ r: Rect, _ out: inout [AppEvent]
    ) {
        if let d = s.download {
            downloadProgress(ui, d, r, &out)
        } else if ui.button(label, in: Rect(r.x, r.y, min(r.w, ui.buttonSize(label).x + 16), 30)) {
            out.append(.startDownload(fullOnly: fullOnly))
        }
    }

    /// A progress bar with a Cancel button beside it and the download's text below.
    static func downloadProgress(
        _ ui: UIContext, _ d: (text: String, fraction: Double?), _ r: Rect, _ out: inout [AppEvent]
    ) {
        let line = r.columns([.fill(min: 80), .fixed(86)], spacing: 8)
        ui.progressBar(
            fraction: Float(d.fraction ?? 0),
            label: d.fraction.map { String(format: "%.0f%%", $0 * 100) } ?? "working…",
            in: Rect(line[0].x, line[0].y, line[0].w, 26))
        if ui.button("Cancel##download", in: Rect(line[1].x, line[1].y, line[1].w, 26)) { out.append(.cancelDownload) }
        ui.paragraph(d.text, in: Rect(r.x, r.y + 32, r.w, max(0, r.h - 32)), role: .small, color: ui.theme.textDim)
    }
}

extension Rect {
    /// The smallest rect holding this one and `other`.
    func spanning(_ other: Rect) -> Rect {
        let x = Swift.min(self.x, other.x)
        let y = Swift.min(self.y, other.y)
        return Rect(x, y, Swift.max(maxX, other.maxX) - x, Swift.max(maxY, other.maxY) - y)
    }
}
