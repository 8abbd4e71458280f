import ConvEngine
import Foundation
import ImmediateUI

extension ConvScopeApp {
    static let filterSizes = [64, 96, 128, 192, 256], filterSteps = [10, 30, 60, 100]

    /// Size and steps choices, and the progress of the images being made; returns the height used.
    func filterControls(_ ui: UIContext, _ r: Rect) -> Float {
        var x = r.x
        ui.draw(.text("Size", origin: Vec2(x, r.y + 4), ui.theme.textDim, .small))
        x += 34
        for s in Self.filterSizes {
            if ui.selectable("\(s)", selected: state.filterSettings.size == s, in: Rect(x, r.y, 38, 22)) { state.filterSettings.size = s }
            x += 40
        }
        x += 12
        ui.draw(.text("Steps", origin: Vec2(x, r.y + 4), ui.theme.textDim, .small))
        x += 40
        for s in Self.filterSteps {
            if ui.selectable("\(s)", selected: state.filterSettings.steps == s, in: Rect(x, r.y, 38, 22)) { state.filterSettings.steps = s }
            x += 40
        }
        let line = Rect(r.x, r.y + 28, r.w, 20)
        if let key = state.filterKey, let e = state.filterError, e.key == key {
            ui.draw(.text(e.message, origin: Vec2(line.x, line.y + 2), Color(hex: 0xFF7A6B), .small))
        } else if let p = state.filterProgress, p.key == state.filterKey {
            let left = p.secondsLeft.map { $0 >= 90 ? String(format: "%.0f min left", $0 / 60) : String(format: "%.0f s left", $0) } ?? "starting…"
            ui.progressBar(fraction: p.fraction, label: "Gradient ascent: \(Int(p.fraction * 100))% · \(left)", in: line)
        } else if state.layer.isConv {
            let s = state.filterSettings
            ui.draw(.text("\(s.steps) steps of gradient ascent from gray noise, \(s.size)×\(s.size) px: hover a tile for its gain",
                          origin: Vec2(line.x, line.y + 2), ui.theme.textDim, .small))
        }
        return 56
    }

    func filterGrid(_ ui: UIContext, _ area: Rect) {
        let info = state.layer
        guard info.isConv, let key = state.filterKey else {
            ui.paragraph("\(info.name) is a max-pool: it has no filters of its own. Move to a convolution (← / →) to see what its filters look for.",
                         in: area, role: .body, color: ui.theme.textDim)
            return
        }
        let set = state.filterCache[key] ?? FilterSet()
        let side = min(area.w, area.h), gap: Float = 3
        let tile = ((side - gap * 7) / 8).rounded(.down)
        let gridSide = tile * 8 + gap * 7
        let origin = Vec2((area.x + (area.w - gridSide) / 2).rounded(), area.y)
        for (slot, f) in FilterSet.page(state.channelPage, channels: info.channels).enumerated() {
            let rect = Rect(origin.x + Float(slot % 8) * (tile + gap), origin.y + Float(slot / 8) * (tile + gap), tile, tile)
            guard let image = set.images[f] else {
                ui.draw(.rect(rect, ui.theme.background))
                ui.draw(.rectOutline(rect, ui.theme.border, thickness: 1))
                let label = "\(f)", size = ui.measure(label, role: .small)
                ui.draw(.text(label, origin: Vec2(rect.x + (rect.w - size.x) / 2, rect.y + (rect.h - size.y) / 2), ui.theme.textDim, .small))
                continue
            }
            if ui.imageButton(images.filterKey(slot: slot, key: key, filter: f), in: rect) { state.enlargedFilter = f }
            if ui.lastItemHovered {
                ui.tooltip(String(format: "Filter %d: mean response %@ → %@ · click to enlarge", f,
                                  format(image.startActivation), format(image.finalActivation)))
            }
        }
    }

    /// The shown page of filter images as one PNG, when all of them are finished.
    func filterGridExport() -> Exporter.Job? {
        guard let key = state.filterKey, let set = state.filterCache[key] else { return nil }
        let page = FilterSet.page(state.channelPage, channels: state.layer.channels)
        let done = page.compactMap { set.images[$0] }
        guard done.count == page.count else { return nil }
        let s = key.settings
        return .init(what: "\(key.layer)_filters\(page.first!)-\(page.last!)_\(s.size)px_\(s.steps)steps") { FilterGrid.render(done) }
    }

    /// One filter's image, large, with what the ascent did.
    func enlargedFilterOverlay(_ ui: UIContext) {
        guard let f = state.enlargedFilter, let key = state.filterKey, let image = state.filterCache[key]?.images[f] else {
            state.enlargedFilter = nil
            return
        }
        let (box, frame) = beginEnlargedOverlay(ui)
        ui.draw(.image(images.enlargedFilterKey(key: key, filter: f), dest: box, tint: .white))
        ui.draw(.rectOutline(box, ui.theme.border, thickness: 1))
        let tx = box.maxX + 16
        ui.draw(.text("Filter \(f) of \(state.layer.channels)", origin: Vec2(tx, box.y + 10), ui.theme.text, .heading))
        ui.draw(.text(state.layer.label, origin: Vec2(tx, box.y + 36), ui.theme.textDim, .small))
        let s = key.settings
        let lines = [
            "\(s.size)×\(s.size) input, \(s.steps) steps of \(format(s.stepSize))",
            "mean response on gray noise: \(format(image.startActivation))",
            "on this image: \(format(image.finalActivation))",
        ]
        for (i, l) in lines.enumerated() { ui.draw(.text(l, origin: Vec2(tx, box.y + 62 + Float(i) * 20), ui.theme.text, .small)) }
        ui.paragraph("The image that makes this filter respond most, found by gradient ascent from gray noise. "
                     + "↑/↓ previous / next filter · E export · Esc or click outside to close",
                     in: Rect(tx, box.y + 130, 230, 120), role: .small, color: ui.theme.textDim)
        if ui.button("Export", in: Rect(tx, box.maxY - 96, 100, 26)) { export([PanelExports.filter(image, key: key)], stem: "filters") }
        if ui.button("Close", in: Rect(tx, box.maxY - 64, 100, 26)) { state.enlargedFilter = nil }
        if ui.mouseReleased() && !frame.contains(ui.input.mouse) { state.enlargedFilter = nil }
        ui.endOverlay()
    }
}
