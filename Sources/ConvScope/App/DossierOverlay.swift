import ConvEngine
import Foundation
import ImmediateUI

/// The channel dossier: what one channel means, over the window when a channel is enlarged. Four panels answer where
/// it fires on this photo, how much it matters for the class the Grad-CAM pane explains, what in the pixels made it
/// fire, and what it wants (its filter image); the column beside them shows the pieces of the user's own photos that
/// excite it most. ↑/↓ page through the channels in the grid's order; a click outside closes it.
enum DossierOverlay {
    /// Returns the panels' image areas by name ("dossier-fires", "-share", "-guided", "-wants", "-photos") for the UI
    /// trace.
    @discardableResult
    static func draw(_ ui: UIContext, _ s: AppState, _ images: PanelImages, _ out: inout [AppEvent]) -> [(String, Rect)]
    {
        guard let a = s.currentAnalysis, let c = s.enlargedChannel else { return [] }
        ui.beginOverlay()
        let win = ui.windowRect
        let frame = win.inset(by: Vec2(win.w > 1400 ? 40 : 14, win.h > 900 ? 30 : 12))
        ui.draw(.rect(frame, ui.theme.panel))
        ui.draw(.rectOutline(frame, ui.theme.border, thickness: 1))
        let rows = frame.inset(by: Vec2(16, 12)).rows([.fixed(40), .fill(min: 200), .fixed(22)], spacing: 10)
        header(ui, s, c, rows[0], &out)
        let side = min(420, max(280, (rows[1].w * 0.27).rounded()))
        let body = rows[1].columns([.fill(min: 300), .fixed(side)], spacing: 18)
        let cells = quadrants(body[0])
        fires(ui, s, a, c, cells[0], images)
        contribution(ui, s, a, c, cells[1], images)
        guided(ui, s, a, c, cells[2], images)
        wants(ui, s, c, cells[3], images, &out)
        TopImagesColumn.draw(ui, s, c, body[1], images, &out)
        ui.draw(
            .text(
                "↑/↓ previous / next channel in the grid's order · ←/→ layer · E export the dossier · Esc or click "
                    + "outside to close", origin: Vec2(rows[2].x, rows[2].y + 3), ui.theme.textDim, .small))
        if ui.mouseReleased() && !frame.contains(ui.input.mouse) { out.append(.enlargeChannel(nil)) }
        ui.endOverlay()
        // The image boxes as drawn (the photo's aspect; the filter image square).
        let photo = cells.prefix(3).map {
            ui.fit(width: a.image.network.width, height: a.image.network.height, in: $0.image)
        }
        return zip(["fires", "share", "guided"], photo).map { ("dossier-\($0.0)", $0.1) }
            + [("dossier-wants", filterBox(cells[3].image)), ("dossier-photos", body[1])]
    }

    /// The title, the layer, and Export / Close.
    private static func header(_ ui: UIContext, _ s: AppState, _ c: Int, _ r: Rect, _ out: inout [AppEvent]) {
        let exports = ["Export dossier##exportDossier", "Export map##exportEnlarged"].map { ui.buttonSize($0).x }
        let cols = r.columns([.fill(), .fixed(exports[0]), .fixed(exports[1]), .fixed(90)], spacing: 8)
        ui.draw(
            .text("Channel \(c) of \(s.layer.channels)", origin: Vec2(cols[0].x, cols[0].y), ui.theme.text, .heading))
        let sub = "\(s.layer.label) · layer \(s.layerIndex + 1) of \(s.hiddenLayers.count)"
        ui.draw(.text(sub, origin: Vec2(cols[0].x, cols[0].y + 24), ui.theme.textDim, .small))
        if ui.button("Export dossier##exportDossier", in: Rect(cols[1].x, cols[1].y + 4, cols[1].w, 28)) {
            out.append(.exportDossier)
        }
        if ui.button("Export map##exportEnlarged", in: Rect(cols[2].x, cols[2].y + 4, cols[2].w, 28)) {
            out.append(.exportEnlarged)
        }
        if ui.button("Close##closeEnlarged", in: Rect(cols[3].x, cols[3].y + 4, cols[3].w, 28)) {
            out.append(.enlargeChannel(nil))
        }
    }

    /// Four equal panels, two by two, each a caption over an image area.
    private static func quadrants(_ r: Rect) -> [(caption: Rect, image: Rect)] {
        let halves = r.rows([.fraction(0.5), .fraction(0.5)], spacing: 14)
        return halves.flatMap { $0.columns([.fraction(0.5), .fraction(0.5)], spacing: 14) }.map { cell in
            let parts = cell.rows([.fixed(52), .fill()], spacing: 4)
            return (parts[0], parts[1])
        }
    }

    /// The largest square centred at the top of `r`.
    private static func filterBox(_ r: Rect) -> Rect {
        let side = min(r.w, r.h)
        return Rect((r.x + (r.w - side) / 2).rounded(), r.y, side, side)
    }

    private static func caption(_ ui: UIContext, _ title: String, _ detail: String, _ r: Rect) {
        ui.draw(.text(title, origin: Vec2(r.x, r.y), ui.theme.text, .body))
        ui.paragraph(detail, in: Rect(r.x, r.y + 20, r.w, r.h - 20), role: .small, color: ui.theme.textDim)
    }

    /// Where it fires on this photo: the map over the photo, and its value range.
    private static func fires(
        _ ui: UIContext, _ s: AppState, _ a: Analysis, _ c: Int, _ cell: (caption: Rect, image: Rect),
        _ images: PanelImages
    ) {
        let v = PaneChrome.channelRange(a.activations.layer(s.layerIndex), c)
        let detail =
            v.max == v.min
            ? "dead for this image: all \(PaneChrome.format(v.min))"
            : "\(PaneChrome.format(v.min)) … \(PaneChrome.format(v.max)), mean \(PaneChrome.format(v.mean))"
                + (s.grid.sharedScale ? " · layer's scale" : "")
        caption(ui, "Where it fires", detail, cell.caption)
        let box = ui.fit(width: a.image.network.width, height: a.image.network.height, in: cell.image)
        ui.draw(.image(images.networkKey(a), dest: box, tint: .white))
        ui.draw(
            .image(
                images.enlargedKey(a, layer: s.layerIndex, channel: c, shared: s.grid.sharedScale), dest: box,
                tint: Color(255, 255, 255, 215)))
        ui.draw(.rectOutline(box, ui.theme.border, thickness: 1))
    }

    /// How much it matters for the class: α_k, α_k·A_k over the photo in gray, and its rank in the layer.
    private static func contribution(
        _ ui: UIContext, _ s: AppState, _ a: Analysis, _ c: Int, _ cell: (caption: Rect, image: Rect),
        _ images: PanelImages
    ) {
        guard a.classification != nil else {
            caption(ui, "Its share of a class", "", cell.caption)
            ui.paragraph(
                "This model has no classifier: there is no class for the channel to matter to.",
                in: cell.image, role: .small, color: ui.theme.textDim)
            return
        }
        let box = ui.fit(width: a.image.network.width, height: a.image.network.height, in: cell.image)
        ui.draw(.image(images.camGrayKey(a), dest: box, tint: .white))
        ui.draw(.rectOutline(box, ui.theme.border, thickness: 1))
        guard let k = s.currentContributions else {
            caption(
                ui, "Its share of the class", s.contributionsFailure.map { "failed: \($0)" } ?? "computing…",
                cell.caption)
            return
        }
        let name = s.className(k.classIndex)
        caption(
            ui, "Its share of \(name)",
            "α \(PaneChrome.format(k.weights[c])) · α×mean \(PaneChrome.format(k.totals[c])) · rank "
                + "\(k.rank(of: c)) of \(k.layer.channels)\nred raises its score, blue lowers it", cell.caption)
        ui.draw(.image(images.contributionKey(k, channel: c), dest: box, tint: .white))
    }

    /// What in the pixels made it fire: guided backprop from its summed activation.
    private static func guided(
        _ ui: UIContext, _ s: AppState, _ a: Analysis, _ c: Int, _ cell: (caption: Rect, image: Rect),
        _ images: PanelImages
    ) {
        let box = ui.fit(width: a.image.network.width, height: a.image.network.height, in: cell.image)
        guard let g = s.currentChannelAttribution else {
            caption(
                ui, "What in the photo made it fire",
                s.attributionFailure.map { "failed: \($0)" } ?? "guided backprop: computing…", cell.caption)
            ui.draw(.rectOutline(box, ui.theme.border, thickness: 1))
            return
        }
        caption(
            ui, "What in the photo made it fire",
            g.largest > 0 ? "guided backprop from its summed activation" : "nothing: it is dead on this photo",
            cell.caption)
        ui.draw(.image(images.channelAttributionKey(g), dest: box, tint: .white))
        ui.draw(.rectOutline(box, ui.theme.border, thickness: 1))
    }

    /// What it wants: its filter image, when grown (a pooling channel shows its convolution's filter).
    private static func wants(
        _ ui: UIContext, _ s: AppState, _ c: Int, _ cell: (caption: Rect, image: Rect), _ images: PanelImages,
        _ out: inout [AppEvent]
    ) {
        let conv = s.dossierFilterLayer
        let from = conv.map { $0.name == s.layer.name ? "" : " (its convolution \($0.name)'s filter)" } ?? ""
        let box = filterBox(cell.image)
        guard let key = s.dossierFilterKey, let image = s.filterCache[key]?.images[c] else {
            caption(
                ui, "What it wants", conv == nil ? "no convolution below this layer" : "its filter image" + from,
                cell.caption)
            ui.draw(.rectOutline(box, ui.theme.border, thickness: 1))
            let inner = box.inset(by: Vec2(10, 10))
            if let p = s.filterProgress, p.key == s.dossierFilterKey {
                ui.progressBar(
                    fraction: p.fraction, label: "Growing it: \(Int(p.fraction * 100))%",
                    in: Rect(inner.x, inner.y, inner.w, 22))
            } else if let e = s.filterError, e.key == s.dossierFilterKey {
                ui.paragraph(e.message, in: inner, role: .small, color: Color(hex: 0xFF7A6B))
            } else {
                ui.paragraph(
                    "Its filter image is grown when the dossier opens.", in: inner, role: .small,
                    color: ui.theme.textDim)
            }
            return
        }
        caption(
            ui, "What it wants", "its filter image\(from): response \(PaneChrome.format(image.finalActivation))",
            cell.caption)
        ui.draw(.image(images.dossierFilterKey(key, filter: c), dest: box, tint: .white))
        ui.draw(.rectOutline(box, ui.theme.border, thickness: 1))
    }
}

extension AppState {
    /// The convolution whose filter images the dossier shows: the layer itself, or the one a pool sits on.
    var dossierFilterLayer: LayerInfo? {
        hiddenLayers.prefix(layerIndex + 1).last(where: \.isConv)
    }

    var dossierFilterKey: FilterKey? {
        guard let w = weights, let conv = dossierFilterLayer else { return nil }
        return FilterKey(weightsPath: w.key, layer: conv.name, recipe: filterRecipe)
    }
}
