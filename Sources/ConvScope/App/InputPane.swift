import ConvEngine
import Foundation
import ImmediateUI

/// The photo, the view the network sees, the preprocessing in use, and the top classes.
enum InputPane {
    static func draw(_ ui: UIContext, _ s: AppState, _ r: Rect, _ images: PanelImages, _ out: inout [AppEvent]) {
        let size = s.weights.map { "\($0.inputWidth)×\($0.inputHeight)" } ?? "224×224"
        let body = PaneChrome.pane(ui, r, "Input", "The photo as loaded, and the \(size) view the network sees.")
        guard let a = s.currentAnalysis ?? s.analysis else { return empty(ui, s, body, &out) }
        let stale = s.currentAnalysis == nil
        let parts = body.rows(
            [.fraction(0.36, min: 120, max: 420), .fixed(44), .fixed(100), .fixed(52), .fill(min: 120)], spacing: 6)
        let photo = ui.fit(width: a.image.original.width, height: a.image.original.height, in: parts[0])
        ui.draw(.image(images.inputKey(a), dest: photo, tint: stale ? Color(255, 255, 255, 110) : .white))
        if ui.isHovered(photo) { ui.tooltip(a.path) }
        ui.draw(.text(a.image.name, origin: Vec2(parts[1].x, parts[1].y), ui.theme.text, .body))
        ui.draw(
            .text(
                "\(a.image.original.width)×\(a.image.original.height) px · \(s.crop ? "centre crop" : "squashed") to \(size)",
                origin: Vec2(parts[1].x, parts[1].y + 22), ui.theme.textDim, .small))
        let view = parts[2].columns([.fixed(min(96, parts[2].h)), .fill(min: 100)], spacing: 10)
        let thumb = ui.fit(width: a.image.network.width, height: a.image.network.height, in: view[0])
        ui.draw(.image(images.networkKey(a), dest: thumb, tint: .white))
        let text = view[1].rows([.fill(), .fixed(24)], spacing: 2)
        ui.paragraph(
            "The network's view: every layer is computed from these \(size) pixels.", in: text[0], role: .small,
            color: ui.theme.textDim)
        let exportCell = text[1].columns([.fill(), .fixed(70)], spacing: 0)[1]
        if !stale, ui.button("Export##exportInput", in: exportCell) { out.append(.exportInput) }
        preprocessingChoice(ui, s, parts[3], &out)
        if stale {
            ui.paragraph(
                s.pendingImage != nil ? "Analysing \((s.pendingImage! as NSString).lastPathComponent)…" : "Updating…",
                in: parts[4], role: .body, color: ui.theme.textDim)
        } else {
            topClasses(ui, s, a, parts[4], &out)
        }
    }

    /// No image yet: say what to do, with the sample photo and recent files one click away.
    static func empty(_ ui: UIContext, _ s: AppState, _ body: Rect, _ out: inout [AppEvent]) {
        let waiting = s.pendingImage.map { (($0 as NSString).lastPathComponent) }
        let text =
            waiting.map { s.weights == nil ? "\($0) will be analysed once a model is loaded." : "Analysing \($0)…" }
            ?? "No image yet. Drop a photo (PNG, JPEG, BMP, GIF, WebP, TIFF) anywhere on the window, or open one."
        let rows = body.rows([.fixed(70), .fixed(30), .fixed(30), .fixed(22), .fill()], spacing: 8)
        ui.paragraph(text, in: rows[0], role: .body, color: ui.theme.textDim)
        guard waiting == nil else { return }
        if ui.button("Open…  Ctrl+O##openEmpty", in: rows[1]) { out.append(.openChooser) }
        if let sample = RepoPaths.sampleImage, ui.button("Open the sample photo##sample", in: rows[2]) {
            out.append(.openImage(sample))
        }
        let recent = s.recentFiles.filter { FileManager.default.fileExists(atPath: $0) }.prefix(6)
        guard !recent.isEmpty else { return }
        ui.draw(.text("Recent", origin: Vec2(rows[3].x, rows[3].y + 2), ui.theme.textDim, .small))
        let cells = rows[4].rows(recent.map { _ in .fixed(26) }, spacing: 4)
        for (i, path) in recent.enumerated() where cells[i].maxY <= rows[4].maxY {
            ui.pushID(i)
            if ui.selectable("\((path as NSString).lastPathComponent)##recent", selected: false, in: cells[i]) {
                out.append(.chooserClosed(path))  // an image or a model, told apart by its content
            }
            ui.popID()
            if ui.lastItemHovered { ui.tooltip(path) }
        }
    }

    /// The preprocessing in use, and the others one click away (a wrong one is the commonest cause of odd maps).
    static func preprocessingChoice(_ ui: UIContext, _ s: AppState, _ r: Rect, _ out: inout [AppEvent]) {
        guard let info = s.weights else { return }
        let lines = r.rows([.fixed(18), .fill()], spacing: 4)
        let long = "Preprocessing: \(info.preprocessing.summary)"
        let short = "Preprocessing: \(info.preprocessing.rawValue)"
        let label = ui.measure(long, role: .small).x <= lines[0].w ? long : short
        ui.draw(.text(label, origin: Vec2(lines[0].x, lines[0].y), ui.theme.textDim, .small))
        let cases = Preprocessing.allCases
        let cells = lines[1].columns(cases.map { _ in .fraction(1 / Float(cases.count)) }, spacing: 3)
        for (i, p) in cases.enumerated() {
            if ui.selectable("\(p.rawValue)##preprocess-\(p.rawValue)", selected: info.preprocessing == p, in: cells[i])
            {
                out.append(.preprocessing(p))
            }
            if ui.lastItemHovered {
                ui.tooltip("Preprocessing \(p.summary)\(info.preprocessing == p ? " (in use)" : "")")
            }
        }
    }

    /// What a click on class `k`'s bar does, naming the CAM pane's method (which may not depend on the class).
    static func classTooltip(_ s: AppState, _ k: Int) -> String {
        let title = s.camMethodTitle
        guard CAMMethods.named(s.camRequest.method)?.isClassAgnostic == true else {
            return "Class \(k): click to explain it with \(title)"
        }
        return "Class \(k): click to pick it (\(title) shows the same map for every class)"
    }

    /// The top classes (at most five) as bars; a click explains that class with the CAM pane's method.
    static func topClasses(_ ui: UIContext, _ s: AppState, _ a: Analysis, _ r: Rect, _ out: inout [AppEvent]) {
        let k = min(5, s.weights?.classNames.count ?? 5)
        let rows = r.rows([.fixed(28), .fill()], spacing: 0)
        ui.draw(
            .text(k > 0 ? "Top-\(k) classes" : "Classes", origin: Vec2(rows[0].x, rows[0].y), ui.theme.text, .heading))
        guard let c = a.classification else {
            ui.paragraph(
                "No classes: \(s.weights?.name ?? "the loaded model") is a backbone without a classifier, so it cannot "
                    + "name what it sees. Its \(s.hiddenLayers.count) layers are real. Drop a model with its head (Keras's "
                    + "vgg16_weights_tf_dim_ordering_tf_kernels.h5, timm's vgg16.tv_in1k model.safetensors, or your own .keras / .h5 / .onnx) "
                    + "onto the window to add classes and Grad-CAM.", in: rows[1], role: .small, color: ui.theme.textDim
            )
            return
        }
        let explained = s.currentCAM?.result.classIndex
        let cells = rows[1].rows((0..<k).map { _ in .fraction(1 / Float(max(k, 1)), min: 30, max: 40) }, spacing: 0)
        for (i, t) in c.top(k).enumerated() where i < cells.count {
            let row = Rect(cells[i].x, cells[i].y, cells[i].w, 26)
            ui.pushID(i)
            if ui.selectable("\(i + 1). \(s.className(t.index))##class", selected: explained == t.index, in: row) {
                out.append(.camClass(t.index))
            }
            ui.popID()
            if ui.lastItemHovered { ui.tooltip(classTooltip(s, t.index)) }
            let pct = String(format: "%.1f%%", Double(t.probability) * 100)
            let pw = ui.measure(pct, role: .small).x
            ui.draw(.text(pct, origin: Vec2(row.maxX - pw - 6, row.y + 5), ui.theme.textDim, .small))
            let bar = Rect(row.x + 8, row.maxY + 2, row.w - 16, 5)
            ui.draw(.rect(bar, ui.theme.widget))
            ui.draw(.rect(Rect(bar.x, bar.y, max(2, bar.w * t.probability), bar.h), ui.theme.accent))
        }
    }
}
