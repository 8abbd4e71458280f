import ConvEngine
import Foundation
import ImmediateUI
import Raster

extension ConvScopeApp {
    func layerPane(_ ui: UIContext, _ r: Rect) {
        let info = state.layer
        let body = pane(ui, r, "Layer \(state.layerIndex + 1) of 18: \(info.label)",
                        "Each tile is one channel: where in the image one filter responds (white = strongly, black = not at all). "
                        + "Early layers find edges and colours; deeper ones, parts of objects.")
        // The slider: 18 stops, one per hidden layer.
        var index = state.layerIndex
        if ui.slider(info.name, value: &index, range: 0...(Architecture.hiddenLayerNames.count - 1), in: Rect(body.x, body.y, body.w, 28)) {
            state.selectLayer(index)
        }
        layerTicks(ui, Rect(body.x, body.y + 30, body.w, 14))
        var y = body.y + 50
        // Paging and export.
        let first = state.channelPage * 64, last = min(info.channels, first + 64) - 1
        let pageText = "Channels \(first)–\(last) of \(info.channels)"
        if ui.button("‹", in: Rect(body.x, y, 28, 24)) { state.channelPage = max(0, state.channelPage - 1) }
        ui.draw(.text(pageText, origin: Vec2(body.x + 36, y + 3), ui.theme.text, .body))
        let pw = ui.measure(pageText).x
        if ui.button("›", in: Rect(body.x + 44 + pw, y, 28, 24)) { state.channelPage = min(state.pageCount - 1, state.channelPage + 1) }
        if let a = state.analysis, ui.button("Export grid", in: Rect(body.maxX - 100, y, 100, 24)) {
            export([PanelExports.grid(a, layer: state.layerIndex, page: state.channelPage)])
        }
        y += 32
        let area = Rect(body.x, y, body.w, body.maxY - y)
        guard let a = state.analysis else {
            ui.paragraph(state.weights == nil && state.weightsError != nil
                ? "No weights loaded. Drop a VGG16 weights file (.h5 or .safetensors) onto the window."
                : "The channel maps appear here once an image is analysed.", in: area, role: .body, color: ui.theme.textDim)
            return
        }
        channelGrid(ui, a, area)
    }

    /// Small marks under the slider: a dot per layer, taller at each pool.
    func layerTicks(_ ui: UIContext, _ r: Rect) {
        let layers = Architecture.standard.hiddenLayers
        let travel = r.w - ui.theme.knobWidth
        for (i, l) in layers.enumerated() {
            let x = r.x + ui.theme.knobWidth / 2 + travel * Float(i) / Float(layers.count - 1)
            let isPool = !l.isConv
            ui.draw(.rect(Rect(x.rounded() - 1, r.y, 2, isPool ? 8 : 4), i == state.layerIndex ? ui.theme.accent : ui.theme.textDim))
            if isPool { ui.draw(.text("pool\(l.name.dropFirst(5).prefix(1))", origin: Vec2(x - 30, r.y + 6), ui.theme.textDim, .small)) }
        }
    }

    func channelGrid(_ ui: UIContext, _ a: Analysis, _ area: Rect) {
        let map = a.activations.layers[state.layerIndex]
        let side = min(area.w, area.h)
        let gap: Float = 3
        let tile = ((side - gap * 7) / 8).rounded(.down)
        let gridSide = tile * 8 + gap * 7
        let origin = Vec2((area.x + (area.w - gridSide) / 2).rounded(), area.y)
        let first = state.channelPage * 64
        for slot in 0..<64 {
            let c = first + slot
            guard c < map.channels else { break }
            let rect = Rect(origin.x + Float(slot % 8) * (tile + gap), origin.y + Float(slot / 8) * (tile + gap), tile, tile)
            let key = images.tileKey(slot: slot, analysis: a, layer: state.layerIndex, page: state.channelPage)
            if ui.imageButton(key, in: rect) { state.enlargedChannel = c }
            if ui.lastItemHovered {
                let v = channelRange(map, c)
                ui.tooltip(v.max == v.min ? "Channel \(c): dead here (all \(format(v.min)))" : "Channel \(c): \(format(v.min)) … \(format(v.max)) · click to enlarge")
            }
        }
    }

    func channelRange(_ map: FeatureMap, _ c: Int) -> (min: Float, max: Float, mean: Float) {
        var lo = Float.infinity, hi = -Float.infinity, sum: Float = 0
        map.data.withUnsafeBufferPointer { p in
            var i = c
            while i < p.count { let v = p[i]; lo = min(lo, v); hi = max(hi, v); sum += v; i += map.channels }
        }
        return (lo, hi, sum / Float(map.height * map.width))
    }

    func format(_ v: Float) -> String {
        abs(v) >= 100 ? String(format: "%.0f", v) : abs(v) >= 1 ? String(format: "%.2f", v) : String(format: "%.3g", v)
    }
}
