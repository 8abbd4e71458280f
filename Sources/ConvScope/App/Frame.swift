import ConvEngine
import Foundation
import ImmediateUI
import Platform

extension ConvScopeApp {
    /// Builds one frame from the state: top bar, three panes, status bar, then any overlay; what the person did comes
    /// back as events, reduced after the frame.
    @discardableResult
    func frame(_ ui: UIContext) -> Bool {
        windowSize = ui.input.windowSize
        var out: [AppEvent] = []
        let s = state
        Keys.read(ui, s, &out)
        let rows = ui.windowRect.rows([.fixed(46), .fill(min: 300), .fixed(30)], spacing: 0)
        let panes = rows[1].inset(by: Vec2(8, 8)).columns(
            [
                .fraction(0.24, min: 280, max: 440), .fill(min: 380),
                .fraction(0.27, min: 300, max: 480),
            ], spacing: 8)
        // Overlays first, so the widgets beneath them don't react to the mouse this frame.
        if let b = s.browser {
            BrowserOverlay.draw(ui, b, &out)
        } else if s.showHelp {
            HelpOverlay.draw(ui, s, exporter.folder, &out)
        } else if s.showFilters && s.enlargedFilter != nil {
            EnlargedOverlay.filter(ui, s, images, &out)
        }
        let dossier = !s.showFilters && s.browser == nil && !s.showHelp ? DossierOverlay.draw(ui, s, images, &out) : []
        TopBar.draw(ui, s, rows[0], &out)
        InputPane.draw(ui, s, panes[0], images, &out)
        LayerPane.draw(ui, s, panes[1], images, &out)
        CamPane.draw(ui, s, panes[2], images, &out)
        StatusBar.draw(ui, s, rows[2], &out)
        if ui.input.dropHover { TopBar.dropHint(ui) }
        paneRects =
            [("top", rows[0]), ("input", panes[0]), ("layer", panes[1]), ("cam", panes[2]), ("status", rows[2])]
            + dossier
        for e in out { send(e) }
        send(.syncFilters)
        send(.syncDossier)
        return !out.isEmpty
    }

    /// How long an idle window may sleep: until the status line's message expires, at most a second.
    func idleTimeoutMs() -> Int {
        guard let end = state.status.nextExpiry(after: Date()) else { return 1000 }
        return max(1, min(1000, Int(end.timeIntervalSinceNow * 1000) + 1))
    }

    /// The UI trace (`CONVSCOPE_UI_TRACE`): the panes and every interactive widget of the last frame, in window
    /// points, replaced atomically, for tests that find widgets by label instead of coordinates.
    func writeTrace(_ ui: UIContext, to path: String) {
        var entries = paneRects.map {
            TracedWidget(
                id: "pane-\($0.0)", kind: "pane", label: $0.0, value: "", rect: [$0.1.x, $0.1.y, $0.1.w, $0.1.h])
        }
        entries += ui.trace
        let order = state.gridOrder.prefix(8).map(String.init).joined(separator: ",")
        let value =
            "layer=\(state.layerIndex) camLayer=\(state.currentCAM?.result.layer.name ?? "") "
            + "dropHover=\(ui.input.dropHover) order=\(order) enlarged=\(state.enlargedChannel.map(String.init) ?? "")"
        let extra = [
            TracedWidget(id: "state", kind: "state", label: state.layer.name, value: value, rect: [0, 0, 0, 0])
        ]
        guard let data = try? JSONEncoder().encode(entries + extra), data != lastTrace else { return }
        lastTrace = data
        try? AtomicFile.write(data, to: path)
    }
}

/// The bar at the top: the name, what is loaded, Open, Export all, Help.
enum TopBar {
    static let buttons: [(label: String, event: AppEvent)] = [
        ("Open…  Ctrl+O##open", .openChooser), ("Export all##exportAll", .exportAll),
        ("Exports folder##revealExports", .revealExports), ("Help  F1##help", .showHelp(true)),
    ]

    static func draw(_ ui: UIContext, _ s: AppState, _ r: Rect, _ out: inout [AppEvent]) {
        ui.draw(.rect(r, ui.theme.panel))
        ui.draw(.rect(Rect(r.x, r.maxY - 1, r.w, 1), ui.theme.border))
        let widths = buttons.map { ui.buttonSize($0.label).x }
        let cells = r.inset(by: Vec2(10, 9)).columns([.fill(min: 200)] + widths.map { .fixed($0) }, spacing: 8)
        ui.draw(.text("ConvScope", origin: Vec2(cells[0].x + 4, r.y + 11), ui.theme.text, .heading))
        let tag = "a microscope for \(s.weights?.modelName ?? "VGG networks") · drop a photo or a model anywhere"
        let tx = cells[0].x + 14 + ui.measure("ConvScope", role: .heading).x
        if ui.measure(tag, role: .small).x < cells[0].maxX - tx {
            ui.draw(.text(tag, origin: Vec2(tx, r.y + 16), ui.theme.textDim, .small))
        }
        for (i, b) in buttons.enumerated() where ui.button(b.label, in: cells[i + 1]) { out.append(b.event) }
        if let p = s.exportProgress {
            let bar = Rect(cells[1].x - 190, cells[1].y + 3, 180, 22)
            if bar.x > tx {
                ui.progressBar(
                    fraction: Float(p.done) / Float(max(1, p.total)), label: "Exporting \(p.done)/\(p.total)", in: bar)
            }
        }
    }

    /// While a file is dragged over the window.
    static func dropHint(_ ui: UIContext) {
        let r = ui.windowRect
        ui.draw(.rect(r, Color(10, 30, 70, 150)))
        ui.draw(.rectOutline(r.inset(by: Vec2(16, 16)), ui.theme.accent, thickness: 3))
        let text = "Drop an image to look inside the network — or a model file to load it"
        let size = ui.measure(text, role: .heading)
        ui.draw(.text(text, origin: Vec2((r.w - size.x) / 2, (r.h - size.y) / 2), ui.theme.text, .heading))
    }
}

/// The bar at the bottom: what the engine does, the newest message (an unread error first), what model is loaded.
enum StatusBar {
    static func draw(_ ui: UIContext, _ s: AppState, _ r: Rect, _ out: inout [AppEvent]) {
        ui.draw(.rect(r, ui.theme.panel))
        ui.draw(.rect(Rect(r.x, r.y, r.w, 1), ui.theme.border))
        let model: String
        if let info = s.weights {
            model =
                "Model: \(info.name) · \(info.kind) · \(info.format) · preprocessing \(info.preprocessing.rawValue) · \(info.path)"
        } else {
            model =
                s.noWeightsFound
                ? "Model: none found" : s.weightsError != nil ? "Model: none loaded" : "Model: loading…"
        }
        var x = r.x + 12
        let spin = ["◐", "◓", "◑", "◒"]
        let background = s.activity.text == nil ? Self.background(s) : nil
        let busy: String? =
            s.activity.text.map { text in
                let t = Float(Date().timeIntervalSince(s.activitySince))
                return "\(spin[Int(t * 8) % 4]) \(text) \(String(format: "%.1f s", t))"
            } ?? background.map { "\(spin[Int(Date().timeIntervalSinceReferenceDate * 8) % 4]) \($0)" }
        if let text = busy {
            let w = ui.measure(text, role: .small).x
            ui.draw(.text(text, origin: Vec2(x, r.y + 7), ui.theme.accentHot, .small))
            if let background { ui.recordTraceText(background, kind: "status", rect: Rect(x, r.y, w, r.h)) }
            x += w + 16
        }
        var end = x
        if let m = s.status.current(at: Date()) {
            ui.draw(.text(m.text, origin: Vec2(x, r.y + 7), m.isError ? Color(hex: 0xFF7A6B) : ui.theme.text, .small))
            end = x + ui.measure(m.text, role: .small).x + 8
            if m.isError {
                let more = s.status.unreadErrors.count > 1 ? "×  (\(s.status.unreadErrors.count - 1) more)" : "×"
                let w = ui.measure(more, role: .small).x + 14
                if ui.button("\(more)##dismissStatus", in: Rect(end, r.y + 4, w, r.h - 8)) {
                    out.append(.dismissStatus)
                }
                if ui.lastItemHovered { ui.tooltip("Dismiss this message") }
                end += w + 8
            }
        }
        let short = s.weights.map { "Model: \($0.name) · \($0.kind) · \($0.preprocessing.rawValue)" } ?? model
        for text in [model, short] {
            let w = ui.measure(text, role: .small).x
            guard r.maxX - w - 12 > end else { continue }
            let place = Rect(r.maxX - w - 12, r.y, w, r.h)
            ui.draw(.text(text, origin: Vec2(place.x, r.y + 7), ui.theme.textDim, .small))
            if ui.isHovered(place) { ui.tooltip(model) }
            break
        }
    }

    /// ", 3 min left", ", 40 s left", or nothing while the time is not known.
    static func timeLeft(_ seconds: Double?) -> String {
        guard let t = seconds else { return "" }
        return t >= 90 ? String(format: ", %.0f min left", t / 60) : String(format: ", %.0f s left", t)
    }

    /// What runs beside the engine's answers, wherever the person looks: filter images, or a folder being indexed.
    static func background(_ s: AppState) -> String? {
        if let p = s.filterProgress {
            let what = p.key.recipe.method == .lucid ? "feature visualisations" : "filter images"
            return
                "Computing \(p.filters.count) \(what) of \(p.key.layer)… \(Int(p.fraction * 100))%\(timeLeft(p.secondsLeft))"
        }
        if let run = s.indexRun {
            let folder = (run.folder as NSString).lastPathComponent
            guard let p = run.progress else { return "Indexing \(folder) for the channel dossier…" }
            return "Indexing \(folder): \(p.done) of \(p.total) photos\(timeLeft(p.secondsLeft))"
        }
        return nil
    }
}
