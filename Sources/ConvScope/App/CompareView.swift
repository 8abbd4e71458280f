import ConvEngine
import Foundation
import ImmediateUI

/// Every CAM method's map for the current class and layer, side by side, each with how far the network agrees with
/// it: deletion (area under the probability as the map's top pixels are blacked out; lower is better), insertion (as
/// they are put into a blurred copy; higher is better) and Average Drop (when the photo is multiplied by the map).
/// The best deletion and insertion are marked; a click makes that method the pane's.
enum CompareView {
    static func draw(_ ui: UIContext, _ s: AppState, _ a: Analysis, _ r: Rect, _ images: PanelImages,
                     _ out: inout [AppEvent]) {
        let methods = CAMMethods.all
        let cells = s.comparison.generation == a.generation ? s.comparison.cells : []
        let done = "\(cells.count) of \(methods.count) methods"
        let parts = r.rows([.fixed(30), .fill()], spacing: 4)
        let head = cells.count < methods.count ? "Computing every method and its scores… \(done)"
            : "Deletion: lower is better · insertion: higher is better · AD: average drop. Click a map to use it."
        _ = ui.paragraph(head, in: parts[0], role: .small, color: ui.theme.textDim)
        let bestDeletion = cells.min { $0.scores.deletion.area < $1.scores.deletion.area }?.name
        let bestInsertion = cells.max { $0.scores.insertion.area < $1.scores.insertion.area }?.name
        let columns = parts[1].w >= 4 * 150 ? 4 : (parts[1].w >= 3 * 150 ? 3 : 2)
        let rows = (methods.count + columns - 1) / columns
        let grid = parts[1].rows(Array(repeating: .fraction(1 / Float(rows)), count: rows), spacing: 6).map {
            $0.columns(Array(repeating: .fraction(1 / Float(columns)), count: columns), spacing: 6)
        }
        for (slot, method) in methods.enumerated() {
            let cell = grid[slot / columns][slot % columns]
            let split = cell.rows([.fill(), .fixed(44)], spacing: 2)
            let dest = ui.fit(width: a.image.shown.width, height: a.image.shown.height, in: split[0])
            ui.draw(.image(images.camGrayKey(a), dest: dest, tint: .white))
            let current = method.name == s.camRequest.method
            if let c = cells.first(where: { $0.name == method.name }) {
                if ui.imageButton(images.compareKey(slot: slot, cell: c), label: method.title, in: dest,
                                  tint: Color(255, 255, 255, UInt8(s.camOpacity * 255))) {
                    out.append(.camMethod(method.name))
                }
                let d = c.scores.deletion.area, i = c.scores.insertion.area
                let line = String(format: "del %.3f%@  ins %.3f%@", d, c.name == bestDeletion ? " ★" : "", i,
                                  c.name == bestInsertion ? " ★" : "")
                ui.draw(.text(line, origin: Vec2(split[1].x, split[1].y + 14), ui.theme.textDim, .small))
                ui.draw(.text(String(format: "AD %.1f%%%@", c.scores.drop, c.scores.increase ? " · IC" : ""),
                              origin: Vec2(split[1].x, split[1].y + 28), ui.theme.textDim, .small))
            } else {
                ui.draw(.text("…", origin: Vec2(dest.x + dest.w / 2 - 4, dest.y + dest.h / 2 - 8), ui.theme.textDim, .body))
            }
            if current { ui.draw(.rectOutline(dest, ui.theme.accent, thickness: 2)) }
            ui.draw(.text(method.title, origin: Vec2(split[1].x, split[1].y), current ? ui.theme.text : ui.theme.textDim,
                          .small))
        }
    }
}
