import ImmediateUI

/// The keyboard, as events. A modal overlay (help, the file browser) takes the keys: beneath it only Esc, F1 and
/// Ctrl+Q act.
enum Keys {
    static func read(_ ui: UIContext, _ s: AppState, _ out: inout [AppEvent]) {
        let ctrl = ui.input.modifiers.contains(.ctrl)
        if ctrl && ui.keyPressed(.q) { out.append(.quit) }
        if ui.keyPressed(.escape) { out.append(.escape) }
        if ui.keyPressed(.f1) { out.append(.showHelp(!s.showHelp)) }
        guard s.browser == nil, !s.showHelp else { return }
        if ctrl && ui.keyPressed(.o) { out.append(.openChooser) }
        if ui.keyPressed(.f) && !ctrl { out.append(.showFilters(!s.showFilters)) }
        if ui.keyPressed(.left) { out.append(.selectLayer(s.layerIndex - 1)) }
        if ui.keyPressed(.right) { out.append(.selectLayer(s.layerIndex + 1)) }
        if s.showFilters, let f = s.enlargedFilter {
            if ui.keyPressed(.up) { out.append(.enlargeFilter(f - 1)) }
            if ui.keyPressed(.down) { out.append(.enlargeFilter(f + 1)) }
        } else if let c = s.enlargedChannel {
            if ui.keyPressed(.up) { out.append(.enlargeChannel(s.stepEnlarged(c, by: -1))) }
            if ui.keyPressed(.down) { out.append(.enlargeChannel(s.stepEnlarged(c, by: 1))) }
        }
        if ui.keyPressed(.pageDown) { out.append(.selectPage(s.channelPage + 1)) }
        if ui.keyPressed(.pageUp) { out.append(.selectPage(s.channelPage - 1)) }
        if ui.keyPressed(.e) && !ctrl {
            if s.showFilters {
                out.append(s.enlargedFilter != nil ? .exportFilter : .exportFilterGrid)
            } else {
                out.append(s.enlargedChannel != nil ? .exportEnlarged : .exportGrid)
            }
        }
    }
}
