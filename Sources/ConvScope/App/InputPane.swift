import ConvEngine
import Foundation
import ImmediateUI

extension ConvScopeApp {
    func inputPane(_ ui: UIContext, _ r: Rect) {
        let size = state.weights.map { "\($0.inputWidth)×\($0.inputHeight)" } ?? "224×224"
        var body = pane(ui, r, "Input", "The photo as loaded, and the \(size) view the network sees.")
        guard let a = state.analysis else {
            ui.paragraph(state.awaitingWeights && state.pendingImage != nil ? "\((state.pendingImage! as NSString).lastPathComponent) will be analysed once weights are loaded."
                         : state.pendingImage != nil ? "Analysing…" : "No image yet. Drop a photo (PNG, JPEG, BMP, GIF, WebP, TIFF) anywhere on the window.",
                         in: body, role: .body, color: ui.theme.textDim)
            return
        }
        let photoHeight = min(body.w * 0.75, body.h * 0.36)
        let photo = ui.fit(width: a.image.original.width, height: a.image.original.height, in: Rect(body.x, body.y, body.w, photoHeight))
        ui.draw(.image(images.inputKey(a), dest: photo, tint: .white))
        if ui.isHovered(photo) { ui.tooltip("\(a.path)") }
        var y = body.y + photoHeight + 6
        ui.draw(.text(a.image.name, origin: Vec2(body.x, y), ui.theme.text, .body))
        y += 20
        ui.draw(.text("\(a.image.original.width)×\(a.image.original.height) px · \(state.crop ? "centre crop" : "squashed") to \(size)",
                      origin: Vec2(body.x, y), ui.theme.textDim, .small))
        y += 22
        let thumb: Float = min(96, body.h * 0.15)
        let view = ui.fit(width: a.image.network.width, height: a.image.network.height, in: Rect(body.x, y, thumb, thumb))
        ui.draw(.image(images.networkKey(a), dest: view, tint: .white))
        ui.paragraph("The network's view: every layer is computed from these \(size) pixels.",
                     in: Rect(body.x + thumb + 10, y + 2, body.w - thumb - 10, thumb - 30), role: .small, color: ui.theme.textDim)
        if ui.button("Export", in: Rect(body.maxX - 70, y + thumb - 26, 70, 24)) { export([PanelExports.input(a)]) }
        y += thumb + 8
        preprocessingChoice(ui, Rect(body.x, y, body.w, 46))
        y += 56
        body = Rect(body.x, y, body.w, body.maxY - y)
        topClasses(ui, a, body)
    }

    /// The preprocessing in use, and the others one click away (a wrong one is the commonest cause of odd maps).
    func preprocessingChoice(_ ui: UIContext, _ r: Rect) {
        guard let info = state.weights else { return }
        let cases = Preprocessing.allCases
        ui.draw(.text("Preprocessing: \(info.preprocessing.summary)", origin: Vec2(r.x, r.y), ui.theme.textDim, .small))
        let w = (r.w - Float(cases.count - 1) * 3) / Float(cases.count)
        ui.pushID("preprocessing")
        for (i, p) in cases.enumerated() {
            let cell = Rect(r.x + Float(i) * (w + 3), r.y + 20, w, r.h - 20)
            if ui.selectable(p.rawValue, selected: info.preprocessing == p, in: cell), info.preprocessing != p {
                worker.setPreprocessing(p)
                state.setStatus("Preprocessing: \(p.summary); analysing again…")
            }
            if ui.isHovered(cell) { ui.tooltip("Preprocessing \(p.summary)\(info.preprocessing == p ? " (in use)" : "")") }
        }
        ui.popID()
    }

    func topClasses(_ ui: UIContext, _ a: Analysis, _ r: Rect) {
        let k = min(5, state.weights?.classNames.count ?? 5)
        ui.draw(.text("Top-\(k) classes", origin: Vec2(r.x, r.y), ui.theme.text, .heading))
        var y = r.y + 28
        let step = min(40, max(34, (r.maxY - y) / Float(max(k, 1))))
        guard let c = a.classification else {
            let name = state.weights?.name ?? "the loaded model"
            ui.paragraph("No classes: \(name) is a backbone without a classifier, so it cannot "
                + "name what it sees. Its \(state.hiddenLayers.count) layers are real. Drop a model with its head (Keras's "
                + "vgg16_weights_tf_dim_ordering_tf_kernels.h5, timm's vgg16.tv_in1k model.safetensors, or your own .keras / .h5 / .onnx) onto the window to add classes and Grad-CAM.",
                in: Rect(r.x, y, r.w, r.maxY - y), role: .small, color: ui.theme.textDim)
            return
        }
        let explained = state.cam?.result.classIndex
        for (i, t) in c.top(k).enumerated() {
            let row = Rect(r.x, y, r.w, 26)
            let selected = explained == t.index
            ui.pushID(i)
            if ui.selectable("\(i + 1). \(state.className(t.index))", selected: selected, in: row) {
                requestCAM { $0.classIndex = t.index }
            }
            ui.popID()
            let pct = String(format: "%.1f%%", Double(t.probability) * 100)
            let pw = ui.measure(pct, role: .small).x
            ui.draw(.text(pct, origin: Vec2(row.maxX - pw - 6, row.y + 5), ui.theme.textDim, .small))
            let bar = Rect(row.x + 8, row.maxY + 2, row.w - 16, 5)
            ui.draw(.rect(bar, ui.theme.widget))
            ui.draw(.rect(Rect(bar.x, bar.y, max(2, bar.w * t.probability), bar.h), ui.theme.accent))
            if ui.isHovered(row) { ui.tooltip("Class \(t.index): click to explain it with Grad-CAM") }
            y += step
        }
    }
}
