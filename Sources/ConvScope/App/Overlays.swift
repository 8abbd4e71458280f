import ConvEngine
import Foundation
import ImmediateUI

/// One filter, large, in a panel over the window (a click outside closes it).
enum EnlargedOverlay {
    /// The panel: a square image area left of a 260-px text column.
    static func begin(_ ui: UIContext) -> (box: Rect, frame: Rect, text: Rect) {
        ui.beginOverlay()
        let win = ui.windowRect
        let side = max(120, min(win.h - 160, win.w - 420))
        let frame = Rect(
            ((win.w - side - 292) / 2).rounded(), ((win.h - side - 32) / 2).rounded(), side + 292, side + 32)
        let inner = frame.inset(by: Vec2(16, 16)).columns([.fixed(side), .fixed(34), .fill()], spacing: 0)
        ui.draw(.rect(frame, ui.theme.panel))
        ui.draw(.rectOutline(frame, ui.theme.border, thickness: 1))
        return (inner[0], frame, Rect(inner[1].x, inner[1].y, inner[1].w + inner[2].w, inner[1].h))
    }

    static func filter(_ ui: UIContext, _ s: AppState, _ images: PanelImages, _ out: inout [AppEvent]) {
        guard let f = s.enlargedFilter, let key = s.filterKey, let image = s.filterCache[key]?.images[f] else { return }
        let (box, frame, column) = begin(ui)
        ui.draw(.image(images.enlargedFilterKey(key: key, filter: f), dest: box, tint: .white))
        ui.draw(.rectOutline(box, ui.theme.border, thickness: 1))
        let t = column.rows([.fixed(26), .fixed(22), .fill(min: 126), .fixed(30), .fixed(30)], spacing: 4)
        ui.draw(.text("Filter \(f) of \(s.layer.channels)", origin: Vec2(t[0].x, t[0].y), ui.theme.text, .heading))
        ui.draw(.text(s.layer.label, origin: Vec2(t[1].x, t[1].y), ui.theme.textDim, .small))
        let lines = [
            key.recipe.summary,
            "mean response at the start: \(PaneChrome.format(image.startActivation))",
            "on this image: \(PaneChrome.format(image.finalActivation))",
        ]
        // Each line wrapped to the column (Lucid's settings run long), the help under them.
        var y = t[2].y
        for l in lines {
            y += ui.paragraph(l, in: Rect(t[2].x, y, t[2].w, t[2].maxY - y), role: .small, color: ui.theme.text) + 2
        }
        ui.paragraph(
            "The image that makes this filter respond most, grown from gray by gradient ascent. "
                + "↑/↓ previous / next filter · E export · Esc or click outside to close",
            in: Rect(t[2].x, y + 6, t[2].w, max(0, t[2].maxY - y - 6)), role: .small, color: ui.theme.textDim)
        if ui.button("Export##exportFilter", in: Rect(t[3].x, t[3].y, 100, 26)) { out.append(.exportFilter) }
        if ui.button("Close##closeFilter", in: Rect(t[4].x, t[4].y, 100, 26)) { out.append(.enlargeFilter(nil)) }
        if ui.mouseReleased() && !frame.contains(ui.input.mouse) { out.append(.enlargeFilter(nil)) }
        ui.endOverlay()
    }
}

/// What the window shows and how to use it (F1); it takes the keys while open.
enum HelpOverlay {
    static func draw(_ ui: UIContext, _ s: AppState, _ exportFolder: String, _ out: inout [AppEvent]) {
        ui.beginOverlay()
        let win = ui.windowRect
        let h = min(620, max(540, win.h - 60))
        let box = Rect(((win.w - 640) / 2).rounded(), ((win.h - h) / 2).rounded(), 640, h)
        ui.draw(.rect(box, ui.theme.panel))
        ui.draw(.rectOutline(box, ui.theme.accentDim, thickness: 1))
        let rows = box.inset(by: Vec2(20, 16)).rows([.fixed(30), .fill(), .fixed(28)], spacing: 6)
        ui.draw(.text("What you are looking at", origin: Vec2(rows[0].x, rows[0].y), ui.theme.text, .heading))
        let layers = s.hiddenLayers
        let convs = layers.filter(\.isConv).count
        let model = s.weights.map { "\($0.modelName) (\($0.name))" } ?? "A VGG-style network"
        let classes =
            s.weights.map {
                $0.hasClassifier ? "one of \($0.classNames.count) classes" : "features (it has no classifier)"
            }
            ?? "one of its classes"
        let text = """
            \(model) turns a photo into \(classes). It works in \(layers.count) steps (hidden layers): \(convs) convolutions, \
            each a bank of small filters slid over the image, and \(layers.count - convs) pools that shrink it. The slider walks through them.

            Channel grid: one tile per filter. White where the filter fires. Sort by mean or maximum, hide dead channels, \
            or put every tile on the layer's one scale. Click a tile for its dossier: where it fires, its share of the class, \
            what in the photo made it fire, what it wants.

            Filters (F): for a convolution, the image each filter responds to most, grown from gray: by Lucid's method \
            (the default: smooth, robust to small shifts and turns) or by plain gradient ascent on the pixels.

            Grad-CAM: follows the class score back to a layer and asks which places raised it. Red = most, blue = none.

            Keys: ←/→ layer · ↑/↓ channel or filter (enlarged) · PgUp/PgDn page · F channels / filters · E export · \
            Ctrl+O open · F1 this help · Esc close · Ctrl+Q quit.

            Drop an image anywhere to analyse it; drop a model (.h5, .keras, .onnx, .safetensors) to load it; drop a \
            folder of photos to index it for the dossiers. Exports go to \
            \(exportFolder)/<image name>/ and never replace a file.
            """
        ui.paragraph(text, in: rows[1], role: .body, color: ui.theme.text)
        if ui.button("Close##closeHelp", in: Rect(rows[2].maxX - 80, rows[2].y, 80, 28)) {
            out.append(.showHelp(false))
        }
        if ui.mouseReleased() && !box.contains(ui.input.mouse) { out.append(.showHelp(false)) }
        ui.endOverlay()
    }
}

/// The built-in file browser (when neither zenity nor kdialog is installed): a folder's images and models.
enum BrowserOverlay {
    static func draw(_ ui: UIContext, _ b: FileBrowser, _ out: inout [AppEvent]) {
        ui.beginOverlay()
        let win = ui.windowRect
        let box = Rect(((win.w - 620) / 2).rounded(), 60, 620, max(300, win.h - 120))
        ui.draw(.rect(box, ui.theme.panel))
        ui.draw(.rectOutline(box, ui.theme.accentDim, thickness: 1))
        let rows = box.inset(by: Vec2(16, 14)).rows([.fixed(28), .fixed(26), .fill(), .fixed(28)], spacing: 6)
        ui.draw(
            .text(
                b.forFolder ? "Index a folder of photos" : "Open an image or a model",
                origin: Vec2(rows[0].x, rows[0].y), ui.theme.text, .heading))
        let top = rows[1].columns([.fixed(70), .fill()], spacing: 8)
        if ui.button("Up##browserUp", in: top[0]) {
            out.append(.browse(FileBrowser(folder: b.parent, forFolder: b.forFolder)))
        }
        ui.draw(.text(b.folder, origin: Vec2(top[1].x, top[1].y + 4), ui.theme.textDim, .small))
        if let e = b.error { ui.paragraph(e, in: rows[2], role: .body, color: Color(hex: 0xFF7A6B)) }
        let perRow: Float = 26
        let fit = max(1, Int(rows[2].h / perRow))
        // The wheel and PgUp/PgDn scroll a long folder.
        let maxScroll = max(0, b.entries.count - fit)
        var scroll = b.scroll - Int(ui.input.wheel.rounded()) * 3
        scroll += (ui.keyPresses(.pageDown) - ui.keyPresses(.pageUp)) * fit
        scroll = min(max(scroll, 0), maxScroll)
        if scroll != b.scroll {
            var moved = b
            moved.scroll = scroll
            out.append(.browse(moved))
        }
        for (i, e) in b.entries.dropFirst(b.scroll).prefix(fit).enumerated() {
            let cell = Rect(rows[2].x, rows[2].y + Float(i) * perRow, rows[2].w, perRow - 2)
            ui.pushID(i)
            if ui.selectable((e.isFolder ? "▸ " : "   ") + e.name + "##entry", selected: false, in: cell) {
                if e.isFolder {
                    out.append(.browse(FileBrowser(folder: b.path(e), forFolder: b.forFolder)))
                } else if !b.forFolder {
                    out.append(.chooserClosed(b.path(e)))
                    out.append(.browse(nil))
                }
            }
            ui.popID()
        }
        if b.entries.count > fit {
            let shown =
                "\(b.scroll + 1)–\(min(b.entries.count, b.scroll + fit)) of \(b.entries.count) · wheel or PgUp/PgDn to scroll"
            ui.draw(.text(shown, origin: Vec2(rows[3].x, rows[3].y + 4), ui.theme.textDim, .small))
        }
        if ui.button("Cancel##browserCancel", in: Rect(rows[3].maxX - 90, rows[3].y, 90, 28)) {
            out.append(.browse(nil))
        }
        if b.forFolder {
            let label = "Index this folder##browserIndex"
            let w = ui.buttonSize(label).x
            if ui.button(label, in: Rect(rows[3].maxX - 100 - w, rows[3].y, w, 28)) {
                out.append(.browse(nil))
                out.append(.indexFolder(b.folder))
            }
        }
        ui.endOverlay()
    }
}
