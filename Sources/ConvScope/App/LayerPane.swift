import ConvEngine
import Foundation
import ImmediateUI
import Raster
import WeightsStore

/// The middle pane: the layer slider, then the layer's channel maps for this image or its filters' images.
enum LayerPane {
    static func draw(_ ui: UIContext, _ s: AppState, _ r: Rect, _ images: PanelImages, _ out: inout [AppEvent]) {
        let info = s.layer
        let (n, of) = (s.layerIndex + 1, s.hiddenLayers.count)
        let title = s.hiddenLayers.isEmpty ? "Layers" : "Layer \(n) of \(of): \(info.label)"
        let shorter = s.hiddenLayers.isEmpty ? [] : ["Layer \(n)/\(of): \(info.label)", "\(n)/\(of) \(info.label)"]
        let body = PaneChrome.pane(
            ui, r, title,
            s.showFilters
                ? "Each tile is the image one filter responds to most, grown from gray. Early filters want edges and "
                    + "colours; deeper ones, textures and parts of things."
                : "Each tile is one channel: where in the image one filter responds (white = strongly, black = not at "
                    + "all). Early layers find edges and colours; deeper ones, parts of objects.", shorter: shorter)
        let top = body.rows([.fixed(28), .fixed(16), .fill()], spacing: 6)
        var index = s.layerIndex
        if ui.slider("\(info.name)##layer", value: &index, range: 0...max(s.hiddenLayers.count - 1, 1), in: top[0]),
            index != s.layerIndex
        {
            out.append(.selectLayer(index))
        }
        ticks(ui, s, top[1])
        var rest = top[2]
        rest = viewRow(ui, s, rest, &out)
        if s.weights == nil && (s.noWeightsFound || s.download != nil) { return FirstRun.draw(ui, s, rest, &out) }
        if s.showFilters {
            guard s.weights != nil else {
                ui.paragraph(
                    "Filter images appear once a model is loaded.", in: rest, role: .body, color: ui.theme.textDim)
                return
            }
            guard s.layer.isConv else { return FiltersView.grid(ui, s, rest, images, &out) }  // it says why: no filters
            let split = rest.rows([.fixed(FiltersView.height(width: rest.w)), .fill()], spacing: 6)
            FiltersView.controls(ui, s, split[0], &out)
            FiltersView.grid(ui, s, split[1], images, &out)
            return
        }
        rest = gridOptions(ui, s, rest, &out)
        guard let a = s.currentAnalysis else {
            ui.paragraph(
                s.weights == nil && s.weightsError != nil
                    ? "No model loaded. Drop a model file (.h5, .keras, .onnx or .safetensors) onto the window."
                    : s.pendingImage != nil ? "Analysing…" : "The channel maps appear here once an image is analysed.",
                in: rest, role: .body, color: ui.theme.textDim)
            return
        }
        ChannelGrid.draw(ui, s, a, rest, images, &out)
    }

    /// Small marks under the slider: one per layer, taller at each pool, its name just left of the mark (left out
    /// where it would run into the previous name or past the pane's left edge).
    static func ticks(_ ui: UIContext, _ s: AppState, _ r: Rect) {
        let layers = s.hiddenLayers
        guard layers.count > 1 else { return }
        let travel = r.w - ui.theme.knobWidth
        var pools = 0
        var free = r.x  // the left edge the next name may start at
        for (i, l) in layers.enumerated() {
            let x = r.x + ui.theme.knobWidth / 2 + travel * Float(i) / Float(layers.count - 1)
            let mark = Rect(x.rounded() - 1, r.y, 2, l.isConv ? 4 : 8)
            ui.draw(.rect(mark, i == s.layerIndex ? ui.theme.accent : ui.theme.textDim))
            guard !l.isConv else { continue }
            pools += 1
            let name = "pool\(pools)"
            ui.recordTraceText("\(name) mark", kind: "tick", rect: mark)
            let size = ui.measurer.size(of: name, role: .small)
            let left = (x - 4 - size.x).rounded()
            guard left >= free else { continue }
            ui.draw(.text(name, origin: Vec2(left, r.y + 3), ui.theme.textDim, .small))
            ui.recordTraceText(name, kind: "tick", rect: Rect(left, r.y + 3, size.x, size.y))
            free = x + 4
        }
    }

    /// Channels | Filters, the pager, and the grid's export, wrapping to a second line in a narrow pane; returns
    /// the rect below them.
    static func viewRow(_ ui: UIContext, _ s: AppState, _ r: Rect, _ out: inout [AppEvent]) -> Rect {
        let shown = s.showFilters ? s.layer.channels : s.shownChannels
        let first = s.channelPage * 64
        let last = min(shown, first + 64) - 1
        let pageText = "\(s.showFilters ? "Filters" : "Channels") \(first)–\(max(last, first)) of \(shown)"
        let exportLabel = s.showFilters ? "Export grid##exportFilterGrid" : "Export grid##exportGrid"
        let textWidth = ui.measure(pageText).x + 12
        let widths = [84, 84, 28 + textWidth + 28 + 12, ui.buttonSize(exportLabel).x]
        let flow = FlowRow(widths: widths, in: r, lineHeight: 24, spacing: 6, lineSpacing: 6)
        let c = flow.rects
        if ui.selectable("Channels##viewChannels", selected: !s.showFilters, in: c[0]), s.showFilters {
            out.append(.showFilters(false))
        }
        if ui.selectable("Filters  F##viewFilters", selected: s.showFilters, in: c[1]), !s.showFilters {
            out.append(.showFilters(true))
        }
        let pager = c[2].columns([.fixed(28), .fill(), .fixed(28)], spacing: 6)
        if ui.button("‹##pagePrevious", in: pager[0]) { out.append(.selectPage(s.channelPage - 1)) }
        ui.draw(.text(pageText, origin: Vec2(pager[1].x + 6, pager[1].y + 3), ui.theme.text, .body))
        if ui.button("›##pageNext", in: pager[2]) { out.append(.selectPage(s.channelPage + 1)) }
        if s.showFilters {
            if s.filterGridExport() != nil, ui.button(exportLabel, in: c[3]) { out.append(.exportFilterGrid) }
        } else if s.currentAnalysis != nil, ui.button(exportLabel, in: c[3]) {
            out.append(.exportGrid)
        }
        return r.split(top: flow.height, spacing: 6).rest
    }

    /// Order (index, mean, max), hide dead channels, one colour scale for the layer or one per tile; wraps in a narrow
    /// pane; returns the rect below.
    static func gridOptions(_ ui: UIContext, _ s: AppState, _ r: Rect, _ out: inout [AppEvent]) -> Rect {
        let scaleLabel = s.grid.sharedScale ? "Scale: whole layer##scale" : "Scale: each tile##scale"
        let box: Float = 30  // the checkbox's square and gap
        // Contribution (to the Grad-CAM pane's class) only where there is a classifier.
        let orders = GridOptions.Order.allCases.filter { $0 != .contribution || s.weights?.hasClassifier == true }
        let orderWidths = orders.map { max(62, ui.measureLabel($0.rawValue).x + 16) }
        let widths = [44] + orderWidths + [ui.measureLabel("Hide dead").x + box, ui.measureLabel(scaleLabel).x + box]
        let c = FlowRow(widths: widths, in: r, lineHeight: 24, spacing: 4, lineSpacing: 6)
        ui.draw(.text("Order", origin: Vec2(c.rects[0].x, c.rects[0].y + 4), ui.theme.textDim, .small))
        for (i, order) in orders.enumerated() {
            if ui.selectable(
                "\(order.rawValue)##order-\(order.rawValue)", selected: s.grid.order == order, in: c.rects[i + 1]),
                s.grid.order != order
            {
                var g = s.grid
                g.order = order
                out.append(.grid(g))
            }
            if ui.lastItemHovered { ui.tooltip(orderTip(order, s)) }
        }
        var g = s.grid
        if ui.checkbox("Hide dead##hideDead", isOn: &g.hideDead, in: c.rects[orders.count + 1]) { out.append(.grid(g)) }
        if ui.checkbox(scaleLabel, isOn: &g.sharedScale, in: c.rects[orders.count + 2]) { out.append(.grid(g)) }
        if ui.lastItemHovered {
            ui.tooltip(
                s.grid.sharedScale
                    ? "One gray scale for every tile: compare channels (black = layer min, white = layer max)"
                    : "Each tile scaled to its own min–max: see every channel's pattern")
        }
        return r.split(top: c.height, spacing: 6).rest
    }

    static func orderTip(_ order: GridOptions.Order, _ s: AppState) -> String {
        switch order {
        case .index: return "Channels in their own order"
        case .mean, .max: return "Strongest \(order.rawValue) activation first"
        case .contribution:
            let cls = s.camRequest.classIndex.map { s.className($0) } ?? "the top class"
            return "Largest share of the Grad-CAM for \(cls) first (weight α × mean activation)"
        }
    }
}
