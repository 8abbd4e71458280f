import ConvEngine
import Foundation
import ImmediateUI

/// Class activation maps: jet over the photo in grayscale, its colour bar, and the choices of method, class, layer,
/// score and opacity; or the compare view, every method's map with its faithfulness scores.
enum CamPane {
    static func draw(_ ui: UIContext, _ s: AppState, _ r: Rect, _ images: PanelImages, _ out: inout [AppEvent]) {
        let body = PaneChrome.pane(
            ui, r, "Where the network looked",
            "Which parts of the photo made the network choose a class: dark red = most, dark blue = not at all.")
        guard let a = s.currentAnalysis else { return }
        guard a.classification != nil else { return noClassifier(ui, s, body, &out) }
        // The compare view takes all the height the controls leave (the single map's caption, the heat switch and the
        // export buttons fold away); the single map half of it.
        let compare = s.camCompare
        let parts = body.rows(
            [
                compare ? .fill() : .fraction(0.5, min: 140), .fixed(compare ? 0 : 16), .fixed(compare ? 0 : 46),
                .fixed(26), .fixed(26), .fixed(26), .fixed(26), .fixed(26), .fixed(compare ? 0 : 26),
                .fixed(compare ? 0 : 28), compare ? .fixed(0) : .fill(),
            ], spacing: compare ? 4 : 6)
        let controls = Array(parts[3...])
        if compare { CompareView.draw(ui, s, a, parts[0], images, &out) } else { single(ui, s, a, parts, images) }
        methodPicker(ui, s, controls[0], &out)
        layerPicker(ui, s, controls[1], &out)
        let switches = controls[2].columns([.fill(), .fixed(110)], spacing: 8)
        var follows = s.camFollowsLayer
        if ui.checkbox("Follow the slider##camFollows", isOn: &follows, in: switches[0]) {
            out.append(.camFollowsLayer(follows))
        }
        var on = s.camCompare
        if ui.checkbox("Compare##camCompare", isOn: &on, in: switches[1]) { out.append(.camCompare(on)) }
        let score = labelled(ui, "Score", controls[3]).columns([.fraction(0.5), .fraction(0.5)], spacing: 4)
        for (i, kind) in CAMScore.allCases.enumerated()
        where ui.selectable(
            "\(kind.rawValue)##score-\(kind.rawValue)", selected: s.camRequest.score == kind,
            in: score[i])
        {
            out.append(.camScore(kind))
        }
        var opacity = s.camOpacity
        if ui.slider(
            String(format: "%.0f%%##opacity", opacity * 100), value: &opacity, range: 0...1,
            in: labelled(ui, "Opacity", controls[4]))
        {
            out.append(.camOpacity(opacity))
        }
        guard !compare else { return }
        var heat = s.camOpacityFollowsHeat
        if ui.checkbox("Opacity follows the heat##camHeat", isOn: &heat, in: controls[5]) {
            out.append(.camOpacityFollowsHeat(heat))
        }
        if s.currentCAM != nil {
            let b = controls[6].columns([.fraction(0.5), .fraction(0.5)], spacing: 8)
            if ui.button("Export overlay##camOverlay", in: b[0]) { out.append(.exportCAMOverlay) }
            if ui.button("Export heatmap##camHeatmap", in: b[1]) { out.append(.exportHeatmap) }
        }
    }

    /// The current method's map over the photo, its colour bar and what it explains.
    static func single(_ ui: UIContext, _ s: AppState, _ a: Analysis, _ parts: [Rect], _ images: PanelImages) {
        let dest = ui.fit(width: a.image.shown.width, height: a.image.shown.height, in: parts[0])
        ui.draw(.image(images.camGrayKey(a), dest: dest, tint: .white))
        if let c = s.currentCAM {
            ui.draw(
                .image(
                    images.camHeatKey(c, followsHeat: s.camOpacityFollowsHeat), dest: dest,
                    tint: Color(255, 255, 255, UInt8(s.camOpacity * 255))))
            colourBar(ui, images, Rect(dest.x, parts[1].y + 2, dest.w, 10))
            let what = c.request.score == .logit ? "logit" : "probability"
            var text =
                "\(c.result.method) explains “\(s.className(c.result.classIndex))” (class \(c.result.classIndex)), \(what) "
                + "\(PaneChrome.format(c.result.scoreValue)), at \(c.result.layer.name) (\(c.result.layer.width)×\(c.result.layer.height))."
            if CAMMethods.named(c.request.method)?.isClassAgnostic == true {
                text =
                    "\(c.result.method) shows the first principal component of \(c.result.layer.name)'s maps "
                    + "(\(c.result.layer.width)×\(c.result.layer.height)): the same map whichever class is picked."
            } else if c.request.score == .probability,
                let p = a.classification?.probabilities[safe: c.result.classIndex],
                p >= 0.999
            {
                text = String(
                    format:
                        "The probability is saturated (%.4f): its gradient is rounding noise, so this map means little. "
                        + "Use the logit.", p)
            }
            let warn = text.hasPrefix("The probability is saturated")
            ui.paragraph(text, in: parts[2], role: .small, color: warn ? Color(hex: 0xFFB86B) : ui.theme.text)
            ui.recordTraceText(text, kind: "caption", rect: parts[2])
        } else {
            ui.draw(.text("Computing…", origin: Vec2(parts[2].x, parts[2].y), ui.theme.textDim, .small))
        }
    }

    /// ‹ method › over the CAM methods.
    static func methodPicker(_ ui: UIContext, _ s: AppState, _ r: Rect, _ out: inout [AppEvent]) {
        let methods = CAMMethods.all
        let i = methods.firstIndex { $0.name == s.camRequest.method } ?? 0
        let c = labelled(ui, "Method", r).columns([.fixed(26), .fill(), .fixed(26)], spacing: 8)
        if ui.button("‹##camMethodPrevious", in: c[0]) {
            out.append(.camMethod(methods[(i + methods.count - 1) % methods.count].name))
        }
        ui.draw(.text(methods[i].title, origin: Vec2(c[1].x, c[1].y + 3), ui.theme.text, .body))
        if ui.button("›##camMethodNext", in: c[2]) { out.append(.camMethod(methods[(i + 1) % methods.count].name)) }
    }

    /// A small label left of a control; returns the control's cell.
    static func labelled(_ ui: UIContext, _ label: String, _ r: Rect) -> Rect {
        let c = r.columns([.fixed(70), .fill()], spacing: 0)
        ui.draw(.text(label, origin: Vec2(c[0].x, c[0].y + 4), ui.theme.textDim, .small))
        return c[1]
    }

    /// ‹ layer name › over the model's hidden layers.
    static func layerPicker(_ ui: UIContext, _ s: AppState, _ r: Rect, _ out: inout [AppEvent]) {
        let layers = s.hiddenLayers.map(\.name)
        let current = s.camRequest.layer ?? s.weights?.defaultCAMLayer ?? ""
        let i = layers.firstIndex(of: current) ?? max(layers.count - 1, 0)
        let c = labelled(ui, "Layer", r).columns([.fixed(26), .fill(), .fixed(26)], spacing: 8)
        if ui.button("‹##camLayerPrevious", in: c[0]), i > 0 { out.append(.camLayer(layers[i - 1])) }
        ui.draw(.text(layers[safe: i] ?? "—", origin: Vec2(c[1].x, c[1].y + 3), ui.theme.text, .body))
        if ui.button("›##camLayerNext", in: c[2]), i < layers.count - 1 { out.append(.camLayer(layers[i + 1])) }
    }

    /// jet from 0 (left) to 1 (right), labelled.
    static func colourBar(_ ui: UIContext, _ images: PanelImages, _ r: Rect) {
        ui.draw(.image(images.jetBarKey, dest: Rect(r.x + 16, r.y, max(0, r.w - 32), r.h), tint: .white))
        ui.draw(.text("0", origin: Vec2(r.x, r.y - 3), ui.theme.textDim, .small))
        ui.draw(.text("1", origin: Vec2(r.maxX - 8, r.y - 3), ui.theme.textDim, .small))
    }

    static func noClassifier(_ ui: UIContext, _ s: AppState, _ body: Rect, _ out: inout [AppEvent]) {
        let name = s.weights?.name ?? "The loaded model"
        let rows = body.rows([.fixed(260), .fill()], spacing: 8)
        ui.paragraph(
            "Grad-CAM needs a classifier, and \(name) has none: it is a convolutional backbone only. "
                + "Grad-CAM follows the gradient of a class score back into a layer, so without class scores there is nothing to explain.\n\n"
                + "To see it, drop a model with its head onto the window: Keras's vgg16_weights_tf_dim_ordering_tf_kernels.h5 "
                + "(528 MB), timm's vgg16.tv_in1k model.safetensors, or your own fine-tuned .keras, .h5 or .onnx.",
            in: rows[0], role: .body, color: ui.theme.textDim)
        PaneChrome.downloadOffer(ui, s, "Download full weights (528 MB)##downloadFull", fullOnly: true, rows[1], &out)
    }
}
