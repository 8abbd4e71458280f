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

    /// `image` with a strip under it as wide as the image, holding `label` at its left (cut at the right edge if
    /// the label is wider). Any thread.
    public static func attach(_ label: RGBAImage, below image: RGBAImage) -> RGBAImage {
        guard image.width > 0 else { return image }
        let width = image.width, height = image.height + label.height
        var out = RGBAImage(width: width, height: height, fill: background)
        out.pixels.withUnsafeMutableBufferPointer { dst in
            image.pixels.withUnsafeBufferPointer { src in
                for i in 0..<(image.width * image.height * 4) { dst[i] = src[i] }
            }
            let cols = min(label.width, width)
            label.pixels.withUnsafeBufferPointer { src in
                for y in 0..<label.height {
                    let from = y * label.width * 4, to = ((image.height + y) * width) * 4
                    for i in 0..<(cols * 4) { dst[to + i] = src[from + i] }
                }
            }
        }
        return out
    }

    /// `image` with `text` under it. Main thread only.
    public static func captioned(_ image: RGBAImage, _ text: String, scale: Float = 1) throws -> RGBAImage {
        attach(try label(text, scale: scale), below: image)
    }
}
