import ConvEngine
import Foundation
import ImmediateUI

extension ConvScopeApp {
    func camPane(_ ui: UIContext, _ r: Rect) {
        let body = pane(ui, r, "Grad-CAM: where it looked",
                        "Which parts of the photo made the network choose a class: dark red = most, dark blue = not at all.")
        guard let a = state.analysis else { return }
        guard a.classification != nil else {
            let name = state.weights?.name ?? "The loaded model"
            ui.paragraph("Grad-CAM needs a classifier, and \(name) has none: it is a convolutional backbone only. "
                + "Grad-CAM follows the gradient of a class score back into "
                + "a layer, so without class scores there is nothing to explain.\n\n"
                + "To see it, drop a model with its head onto the window: Keras's vgg16_weights_tf_dim_ordering_tf_kernels.h5 "
                + "(528 MB), timm's vgg16.tv_in1k model.safetensors, or your own fine-tuned .keras, .h5 or .onnx.",
                in: body, role: .body, color: ui.theme.textDim)
            downloadOffer(ui, Rect(body.x, body.y + 290, body.w, 120))
            return
        }
        let imageArea = Rect(body.x, body.y, body.w, min(body.w, body.h * 0.5))
        let dest = ui.fit(width: a.image.shown.width, height: a.image.shown.height, in: imageArea)
        ui.draw(.image(images.camGrayKey(a), dest: dest, tint: .white))
        var y = imageArea.maxY + 8
        if let c = state.cam {
            ui.draw(.image(images.camHeatKey(c), dest: dest, tint: Color(255, 255, 255, UInt8(state.camOpacity * 255))))
            let what = c.request.score == .logit ? "logit" : "probability"
            ui.paragraph("Explains “\(state.className(c.result.classIndex))” (class \(c.result.classIndex)), \(what) "
                + "\(format(c.result.scoreValue)), at \(c.result.layer.name) (\(c.result.layer.width)×\(c.result.layer.height)).",
                in: Rect(body.x, y, body.w, 44), role: .small, color: ui.theme.text)
        } else {
            ui.draw(.text("Computing…", origin: Vec2(body.x, y), ui.theme.textDim, .small))
        }
        y += 46
        // Layer: step through the model's hidden layers.
        let layers = state.hiddenLayers.map(\.name)
        let current = state.camRequest.layer ?? state.weights?.defaultCAMLayer ?? ""
        let li = layers.firstIndex(of: current) ?? max(layers.count - 1, 0)
        ui.draw(.text("Layer", origin: Vec2(body.x, y + 4), ui.theme.textDim, .small))
        if ui.button("‹", in: Rect(body.x + 70, y, 26, 24)), li > 0 { requestCAM { $0.layer = layers[li - 1] } }
        ui.draw(.text(layers[safe: li] ?? "—", origin: Vec2(body.x + 104, y + 3), ui.theme.text, .body))
        if ui.button("›", in: Rect(body.maxX - 26, y, 26, 24)), li < layers.count - 1 { requestCAM { $0.layer = layers[li + 1] } }
        y += 32
        ui.draw(.text("Score", origin: Vec2(body.x, y + 4), ui.theme.textDim, .small))
        let half = (body.w - 70) / 2
        for (i, score) in CAMScore.allCases.enumerated() {
            if ui.selectable(score == .logit ? "logit" : "probability", selected: state.camRequest.score == score,
                             in: Rect(body.x + 70 + Float(i) * half, y, half - 4, 24)) {
                requestCAM { $0.score = score }
            }
        }
        y += 32
        ui.draw(.text("Opacity", origin: Vec2(body.x, y + 4), ui.theme.textDim, .small))
        ui.slider(String(format: "%.0f%%", state.camOpacity * 100), value: &state.camOpacity, range: 0...1, in: Rect(body.x + 70, y, body.w - 70, 24))
        y += 34
        if let c = state.cam {
            let bw = (body.w - 8) / 2
            if ui.button("Export overlay", in: Rect(body.x, y, bw, 26)) { export([PanelExports.camOverlay(a, c, opacity: state.camOpacity)]) }
            if ui.button("Export heatmap", in: Rect(body.x + bw + 8, y, bw, 26)) { export([PanelExports.heatmap(c)]) }
        }
    }
}

extension ConvScopeApp {
    /// "Download full weights" (Keras's file only: the backbone is what is loaded already), with progress and cancel.
    func downloadOffer(_ ui: UIContext, _ r: Rect) {
        if let d = state.download {
            ui.progressBar(fraction: Float(d.fraction ?? 0), label: d.fraction.map { String(format: "%.0f%%", $0 * 100) } ?? "working…",
                           in: Rect(r.x, r.y, r.w - 90, 26))
            if ui.button("Cancel", in: Rect(r.maxX - 80, r.y, 80, 26)) { download.cancel() }
            ui.paragraph(d.text, in: Rect(r.x, r.y + 32, r.w, 60), role: .small, color: ui.theme.textDim)
        } else if ui.button("Download full weights (528 MB)", in: Rect(r.x, r.y, min(r.w, 260), 28)) {
            state.download = ("Connecting to Keras's server…", nil)
            download.start(fullOnly: true)
        }
    }
}
