import ImmediateUI

/// The keyboard, as events. A modal overlay (help, the file browser) takes the keys: beneath it only Esc, F1 and
/// Ctrl+Q act.
enum Keys {
    static func read(_ ui: UIContext, _ s: AppState, _ out: inout [AppEvent]) {
        let ctrl = ui.input.modifiers.contains(.ctrl)
        if ctrl && ui.keyPressed(.q) { out.append(.quit) }
        if ui.keyPressed(.escape) { out.append(.escape) }
        guard s.browser == nil else { return }
        if ui.keyPressed(.f1) { out.append(.showHelp(!s.showHelp)) }
        guard !s.showHelp else { return }
        if ctrl && ui.keyPressed(.o) { out.append(.openChooser) }
        if ui.keyPressed(.f) && !ctrl && s.enlargedChannel == nil && s.enlargedFilter == nil {
            out.append(.showFilters(!s.showFilters))
        }
        // Every press counts, also several in one frame (a busy frame, or auto-repeat).
        let layerStep = ui.keyPresses(.right) - ui.keyPresses(.left)
        if layerStep != 0 { out.append(.selectLayer(s.layerIndex + layerStep)) }
        let step = ui.keyPresses(.down) - ui.keyPresses(.up)
        if s.showFilters, let f = s.enlargedFilter, step != 0 {
            out.append(.enlargeFilter(f + step))
        } else if let c = s.enlargedChannel, step != 0 {
            out.append(.enlargeChannel(s.stepEnlarged(c, by: step)))
        }
        let pages = ui.keyPresses(.pageDown) - ui.keyPresses(.pageUp)
        if pages != 0 { out.append(.selectPage(s.channelPage + pages)) }
        if ui.keyPressed(.e) && !ctrl {
            if s.showFilters {
                out.append(s.enlargedFilter != nil ? .exportFilter : .exportFilterGrid)
            } else {
                out.append(s.enlargedChannel != nil ? .exportDossier : .exportGrid)
            }
        }
    }
}
