import ConvEngine
import Foundation
import ImmediateUI

extension ConvScopeApp {
    static let topBarHeight: Float = 46, statusHeight: Float = 30, gap: Float = 8

    /// Builds one frame: top bar, three panes, status bar, then any overlay.
    func frame(_ ui: UIContext) {
        handleKeys(ui)
        let w = ui.input.windowSize.x, h = ui.input.windowSize.y
        let g = Self.gap
        let bodyTop = Self.topBarHeight, bodyHeight = h - Self.topBarHeight - Self.statusHeight - g
        let left = max(280, min(340, w * 0.25)), right = max(300, min(380, w * 0.28))
        // Overlays first, so widgets beneath them don't react to the mouse this frame.
        if state.showHelp {
            helpOverlay(ui)
        } else if state.showFilters && state.enlargedFilter != nil {
            enlargedFilterOverlay(ui)
        } else if !state.showFilters && state.enlargedChannel != nil {
            enlargedOverlay(ui)
        }
        topBar(ui, Rect(0, 0, w, Self.topBarHeight))
        inputPane(ui, Rect(g, bodyTop, left, bodyHeight))
        layerPane(ui, Rect(g * 2 + left, bodyTop, w - left - right - g * 4, bodyHeight))
        camPane(ui, Rect(w - right - g, bodyTop, right, bodyHeight))
        statusBar(ui, Rect(0, h - Self.statusHeight, w, Self.statusHeight))
        if ui.input.dropHover { dropHint(ui) }
        logLayerChange()
        requestFiltersIfNeeded()
    }

    func topBar(_ ui: UIContext, _ r: Rect) {
        ui.draw(.rect(r, ui.theme.panel))
        ui.draw(.rect(Rect(r.x, r.maxY - 1, r.w, 1), ui.theme.border))
        ui.draw(.text("ConvScope", origin: Vec2(14, 11), ui.theme.text, .heading))
        let tag = "a microscope for \(state.weights?.modelName ?? "VGG networks") · drop a photo anywhere"
        ui.draw(.text(tag, origin: Vec2(24 + ui.measure("ConvScope", role: .heading).x, 16), ui.theme.textDim, .small))
        var x = r.maxX - 10
        for (label, action) in [("Help  F1", { self.state.showHelp.toggle() }), ("Export all", { self.exportAll() })] as [(String, () -> Void)] {
            let bw = ui.measure(label).x + 24
            x -= bw
            if ui.button(label, in: Rect(x, 9, bw, 28)) { action() }
            x -= 8
        }
        if let p = state.exportProgress {
            ui.progressBar(fraction: Float(p.done) / Float(max(1, p.total)), label: "Exporting \(p.done)/\(p.total)", in: Rect(x - 190, 12, 180, 22))
        }
    }

    func statusBar(_ ui: UIContext, _ r: Rect) {
        ui.draw(.rect(r, ui.theme.panel))
        ui.draw(.rect(Rect(r.x, r.y, r.w, 1), ui.theme.border))
        let weights: String
        if let info = state.weights {
            weights = "Model: \(info.name) · \(info.kind) · \(info.format) · preprocessing \(info.preprocessing.rawValue) · \(info.path)"
        } else {
            weights = state.noWeightsFound ? "Model: none found" : state.weightsError != nil ? "Model: none loaded" : "Model: loading…"
        }
        var x: Float = 12
        if let busy = state.busy {
            let t = Float(Date().timeIntervalSince(state.busySince ?? Date()))
            let spinner = ["◐", "◓", "◑", "◒"][Int(t * 8) % 4]
            let text = "\(spinner) \(busy) \(String(format: "%.1f s", t))"
            ui.draw(.text(text, origin: Vec2(x, r.y + 7), ui.theme.accentHot, .small))
            x += ui.measure(text, role: .small).x + 16
        }
        ui.draw(.text(state.status, origin: Vec2(x, r.y + 7), state.statusIsError ? Color(hex: 0xFF7A6B) : ui.theme.text, .small))
        let statusEnd = x + ui.measure(state.status, role: .small).x + 16
        let short = state.weights.map { "Model: \($0.name) · \($0.kind) · \($0.preprocessing.rawValue)" } ?? weights
        for text in [weights, short] {
            let ww = ui.measure(text, role: .small).x
            guard r.maxX - ww - 12 > statusEnd else { continue }
            let where_ = Rect(r.maxX - ww - 12, r.y, ww, r.h)
            ui.draw(.text(text, origin: Vec2(where_.x, r.y + 7), ui.theme.textDim, .small))
            if ui.isHovered(where_) { ui.tooltip(weights) }
            break
        }
    }

    func dropHint(_ ui: UIContext) {
        let r = ui.windowRect
        ui.draw(.rect(r, Color(10, 30, 70, 150)))
        ui.draw(.rectOutline(r.inset(by: Vec2(16, 16)), ui.theme.accent, thickness: 3))
        let text = "Drop an image to look inside the network — or a model file to load it"
        let s = ui.measure(text, role: .heading)
        ui.draw(.text(text, origin: Vec2((r.w - s.x) / 2, (r.h - s.y) / 2), ui.theme.text, .heading))
    }

    /// A pane's frame and its title; returns the rect below the heading.
    func pane(_ ui: UIContext, _ r: Rect, _ title: String, _ caption: String) -> Rect {
        ui.draw(.rect(r, ui.theme.panel))
        ui.draw(.rectOutline(r, ui.theme.border, thickness: 1))
        let y = ui.heading(title, caption, at: Vec2(r.x + 12, r.y + 10), width: r.w - 24)
        return Rect(r.x + 12, y, r.w - 24, r.maxY - y - 10)
    }
}
