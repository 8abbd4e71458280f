import ImmediateUI

extension UIContext {
    /// Draws `text` word-wrapped inside `rect` from its top; returns the height used.
    @discardableResult
    func paragraph(_ text: String, in rect: Rect, role: FontRole = .body, color: Color? = nil) -> Float {
        let lineHeight = measure("Ag", role: role).y + 2
        var y = rect.y
        for para in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = ""
            for word in para.split(separator: " ").flatMap({ hardBreak(String($0), width: rect.w, role: role) }) {
                let candidate = line.isEmpty ? String(word) : line + " " + word
                if measure(candidate, role: role).x > rect.w, !line.isEmpty {
                    draw(.text(line, origin: Vec2(rect.x, y), color ?? theme.text, role))
                    y += lineHeight
                    line = String(word)
                } else {
                    line = candidate
                }
            }
            if !line.isEmpty { draw(.text(line, origin: Vec2(rect.x, y), color ?? theme.text, role)) }
            y += lineHeight
        }
        return y - rect.y
    }

    /// A word wider than `width` cut into pieces that fit (long file names).
    private func hardBreak(_ word: String, width: Float, role: FontRole) -> [String] {
        guard measure(word, role: role).x > width else { return [word] }
        var pieces: [String] = []
        var current = ""
        for ch in word {
            if measure(current + String(ch), role: role).x > width, !current.isEmpty {
                pieces.append(current)
                current = ""
            }
            current.append(ch)
        }
        if !current.isEmpty { pieces.append(current) }
        return pieces
    }

    /// The first of `texts` that fits `width` in `role`'s font, else the last cut with an ellipsis.
    func fitted(_ texts: [String], role: FontRole, width: Float) -> String {
        if let t = texts.first(where: { measure($0, role: role).x <= width }) { return t }
        var t = texts.last ?? ""
        while t.count > 1 && measure(t + "…", role: role).x > width { t.removeLast() }
        return t + "…"
    }

    /// A panel heading with a one-line explanation under it; returns the y below them. `shorter` are shorter forms
    /// of the title, tried in turn when it does not fit `width` (the last is cut with an ellipsis if none does).
    func heading(_ title: String, _ caption: String, at origin: Vec2, width: Float, shorter: [String] = []) -> Float {
        let title = fitted([title] + shorter, role: .heading, width: width)
        draw(.text(title, origin: origin, theme.text, .heading))
        let size = measure(title, role: .heading)
        recordTraceText(title, kind: "heading", rect: Rect(origin.x, origin.y, size.x, size.y))
        let h = size.y
        let used = paragraph(
            caption, in: Rect(origin.x, origin.y + h + 2, width, 60), role: .small, color: theme.textDim)
        return origin.y + h + 2 + used + 6
    }

    /// Fits a w×h image inside `rect`, centred, aspect kept.
    func fit(width w: Int, height h: Int, in rect: Rect) -> Rect {
        guard w > 0, h > 0, rect.w > 0, rect.h > 0 else { return .zero }
        let s = min(rect.w / Float(w), rect.h / Float(h))
        let fw = (Float(w) * s).rounded()
        let fh = (Float(h) * s).rounded()
        return Rect((rect.x + (rect.w - fw) / 2).rounded(), (rect.y + (rect.h - fh) / 2).rounded(), fw, fh)
    }
}
