import ImmediateUI
import Raster

/// A caption drawn into an exported image: a dark strip under it with one line of text (DejaVu Sans through
/// SDL_ttf, rendered off-screen), e.g. "block3_conv2 · channels 0–63 of 256".
///
/// Text rendering goes through SDL_ttf, so `label` runs on the main thread (as the window's text does); `attach`
/// only copies pixels and runs anywhere, so a background exporter renders labels first and attaches them later.
public enum CaptionStrip {
    public static let background: RGBAImage.Pixel = (r: 24, g: 24, b: 28, a: 255)
    public static let foreground = Color(228, 228, 234)
    /// Pixels around the text at scale 1.
    public static let padding = 8

    /// One line of `text` on the strip background with `padding × scale` pixels around it. Main thread only.
    public static func label(_ text: String, scale: Float = 1) throws -> RGBAImage {
        try labels([text], scale: scale)[0]
    }

    /// A label for each of `texts`, all the same height, each as wide as its text. Main thread only.
    public static func labels(_ texts: [String], scale: Float = 1) throws -> [RGBAImage] {
        guard !texts.isEmpty else { return [] }
        let s = scale.isFinite && scale > 0 ? scale : 1
        let pad = Float(padding)
        let fonts = try FontSet(scale: s)
        let sizes = texts.map { fonts.size(of: $0, role: .body) }
        let height = (max(fonts.lineHeight(.body), sizes.map(\.y).max() ?? 0) + 2 * pad).rounded(.up)
        let widths = sizes.map { min(($0.x + 2 * pad).rounded(.up), (16384 / s).rounded(.down)) }
        // One canvas as wide as the widest label; each label is drawn on it and cut to its own width.
        let canvas = try OffscreenCanvas(width: Int(widths.max() ?? 1), height: Int(height), scale: s)
        let bg = Color(background.r, background.g, background.b, background.a)
        return zip(texts, widths).map { text, w in
            let full = canvas.render([.text(text, origin: Vec2(pad, pad), foreground, .body)], clear: bg)
            return full.cropped(x: 0, y: 0, width: min(full.width, Int((w * s).rounded(.up))), height: full.height)
        }
    }

    /// `image` with a strip under it as wide as the image, holding `label` at its left; a label wider than the image
    /// is broken into lines between words (at columns of background wide enough to be a space), a word wider than
    /// the image cut where it must. Any thread.
    public static func attach(_ label: RGBAImage, below image: RGBAImage) -> RGBAImage {
        guard image.width > 0 else { return image }
        let width = image.width
        let pieces = lines(of: label, width: width)
        let pad = min(padding, label.height / 4)  // the lines share their padding: one line's bottom, the next's top
        let lineStep = max(1, label.height - pad)
        let height = image.height + label.height + (pieces.count - 1) * lineStep
        var out = RGBAImage(width: width, height: height, fill: background)
        out.pixels.withUnsafeMutableBufferPointer { dst in
            image.pixels.withUnsafeBufferPointer { src in
                for i in 0..<(image.width * image.height * 4) { dst[i] = src[i] }
            }
            label.pixels.withUnsafeBufferPointer { src in
                for (k, piece) in pieces.enumerated() {
                    let left = k == 0 ? 0 : pad
                    let cols = min(piece.count, width - left)
                    for y in 0..<label.height {
                        let from = (y * label.width + piece.lowerBound) * 4
                        let to = ((image.height + k * lineStep + y) * width + left) * 4
                        for i in 0..<(cols * 4) { dst[to + i] = src[from + i] }
                    }
                }
            }
        }
        return out
    }

    /// The label's columns for each line of at most `width` pixels (the first line's left padding included, the
    /// others' added when drawn): broken at the last run of background columns that fits, skipping it.
    public static func lines(of label: RGBAImage, width: Int) -> [Range<Int>] {
        guard label.width > width, label.height > 0 else { return [0..<label.width] }
        let blank = (0..<label.width).map { x in
            (0..<label.height).allSatisfy { y in
                let p = label[x, y]
                return p.r == background.r && p.g == background.g && p.b == background.b
            }
        }
        let gap = max(2, label.height / 6)  // narrower runs are the room between letters
        let pad = min(padding, label.height / 4)
        var lines: [Range<Int>] = []
        var start = 0
        while start < label.width {
            let room = width - (lines.isEmpty ? 0 : pad)
            guard label.width - start > room else {
                lines.append(start..<label.width)
                break
            }
            // The last run of at least `gap` background columns that begins inside the room.
            var cut: Int?
            var run = 0
            for x in start..<(start + room) {
                run = blank[x] ? run + 1 : 0
                if run == gap { cut = x - gap + 1 }
            }
            let end = cut.map { $0 > start ? $0 : start + room } ?? start + room
            lines.append(start..<end)
            start = end
            while start < label.width && blank[start] { start += 1 }
        }
        return lines.filter { !$0.isEmpty }
    }

    /// `image` with `text` under it. Main thread only.
    public static func captioned(_ image: RGBAImage, _ text: String, scale: Float = 1) throws -> RGBAImage {
        attach(try label(text, scale: scale), below: image)
    }
}
