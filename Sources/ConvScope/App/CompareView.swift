import ConvEngine
import Foundation
import ImmediateUI

/// Which method, which layer? Every CAM method's map for the current class and layer, or the current method at every
/// convolution and LayerCAM's fusion of them, side by side, each with how far the network agrees with it: deletion
/// (area under the probability as the map's top pixels are blacked out; lower is better), insertion (as they are put
/// into a blurred copy; higher is better) and Average Drop (when the photo is multiplied by the map). The best
/// deletion and insertion are marked; a click makes that method, or that layer, the pane's.
enum CompareView {
    static let fusion = "fusion"
    /// Enough slots for VGG19's 16 convolutions and the fusion, with room.
    static let slots = 32

    /// The cells the view shows, in order: (name, title).
    static func items(_ s: AppState) -> [(name: String, title: String)] {
        switch s.compareAxis {
        case .methods: return CAMMethods.all.map { ($0.name, $0.title) }
        case .layers:
            return Array((s.hiddenLayers.filter(\.isConv).map { ($0.name, $0.name) } + [(fusion, "LayerCAM fusion")])
                .prefix(slots))
        }
    }

    static func draw(_ ui: UIContext, _ s: AppState, _ a: Analysis, _ r: Rect, _ images: PanelImages,
                     _ out: inout [AppEvent]) {
        let items = items(s)
        let cells = s.comparison.generation == a.generation && s.comparison.axis == s.compareAxis ? s.comparison.cells : []
        let parts = r.rows([.fixed(24), .fixed(30), .fill()], spacing: 4)
        let axis = parts[0].columns([.fixed(120), .fixed(120), .fill()], spacing: 4)
        for (i, option) in CompareAxis.allCases.enumerated() {
            let label = option == .methods ? "Every method" : "Every layer"
            if ui.selectable("\(label)##compareAxis-\(option.rawValue)", selected: s.compareAxis == option, in: axis[i]) {
                out.append(.compareAxis(option))
            }
        }
        let head = cells.count < items.count ? "Computing the maps and their scores… \(cells.count) of \(items.count)"
            : "Deletion: lower is better · insertion: higher is better · AD: average drop. Click a map to use it."
        _ = ui.paragraph(head, in: parts[1], role: .small, color: ui.theme.textDim)
        let bestDeletion = cells.min { $0.scores.deletion.area < $1.scores.deletion.area }?.name
        let bestInsertion = cells.max { $0.scores.insertion.area < $1.scores.insertion.area }?.name
        let columns = parts[2].w >= 4 * 150 ? 4 : (parts[2].w >= 3 * 150 ? 3 : 2)
        let rows = (items.count + columns - 1) / columns
        let grid = parts[2].rows(Array(repeating: .fraction(1 / Float(rows)), count: rows), spacing: 6).map {
            $0.columns(Array(repeating: .fraction(1 / Float(columns)), count: columns), spacing: 6)
        }
        for (slot, item) in items.enumerated() {
            let cell = grid[slot / columns][slot % columns]
            let roomy = cell.h >= 120
            let split = cell.rows([.fill(), .fixed(roomy ? 44 : 30)], spacing: 2)
            let dest = ui.fit(width: a.image.shown.width, height: a.image.shown.height, in: split[0])
            let text = Vec2(split[1].x, min(split[1].y, dest.y + dest.h + 3))   // just under the map
            ui.draw(.image(images.camGrayKey(a), dest: dest, tint: .white))
            let current = s.compareAxis == .methods ? item.name == s.camRequest.method
                : item.name == (s.camRequest.layer ?? s.weights?.defaultCAMLayer)
            if let c = cells.first(where: { $0.name == item.name }) {
                if ui.imageButton(images.compareKey(slot: slot, cell: c), label: item.title, in: dest,
                                  tint: Color(255, 255, 255, UInt8(s.camOpacity * 255))) {
                    if s.compareAxis == .methods { out.append(.camMethod(item.name)) }
                    else if item.name != fusion { out.append(.camLayer(item.name)) }
                }
                let d = c.scores.deletion.area, i = c.scores.insertion.area
                let line = String(format: "del %.3f%@  ins %.3f%@", d, c.name == bestDeletion ? " ★" : "", i,
                                  c.name == bestInsertion ? " ★" : "")
                ui.draw(.text(line, origin: Vec2(text.x, text.y + 14), ui.theme.textDim, .small))
                if roomy {
                    ui.draw(.text(String(format: "AD %.1f%%%@", c.scores.drop, c.scores.increase ? " · IC" : ""),
                                  origin: Vec2(text.x, text.y + 28), ui.theme.textDim, .small))
                }
            } else {
                ui.draw(.text("…", origin: Vec2(dest.x + dest.w / 2 - 4, dest.y + dest.h / 2 - 8), ui.theme.textDim, .body))
            }
            if current { ui.draw(.rectOutline(dest, ui.theme.accent, thickness: 2)) }
            ui.draw(.text(item.title, origin: text, current ? ui.theme.text : ui.theme.textDim,
                          .small))
        }
    }
}
