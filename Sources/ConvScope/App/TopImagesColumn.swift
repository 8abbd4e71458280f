import ConvEngine
import Foundation
import ImmediateUI

/// The dossier's column of the pieces of the user's own photos that excite the channel most: a 3×3 grid of crops at
/// their receptive fields (click one to open its photo), the folder and how to index another; or, before any index,
/// the offer to make one; or the indexing run's progress.
enum TopImagesColumn {
    static func draw(
        _ ui: UIContext, _ s: AppState, _ c: Int, _ r: Rect, _ images: PanelImages, _ out: inout [AppEvent]
    ) {
        let parts = r.rows([.fill(min: 120), .fixed(28)], spacing: 8)
        ui.draw(.text("In your own photos", origin: Vec2(r.x, r.y), ui.theme.text, .body))
        let body = Rect(r.x, r.y + 22, r.w, max(0, parts[0].h - 22))
        let index = s.currentIndex
        let folderName = index.map { ($0.folder as NSString).lastPathComponent } ?? ""
        if let run = s.indexRun {
            progress(ui, run, body, &out)
            return
        }
        if let crops = s.currentCrops, let l = s.indexLayerForDossier, let index {
            let from = l.name == s.layer.name ? "" : " (of \(l.name), its convolution)"
            let text = crops.isEmpty
                ? "None of the photos of \(folderName) could be opened again."
                : "The strongest \(crops.count) of \(index.index.indexedCount) photos in \(folderName)\(from), each at "
                    + "its receptive field. Click one to open it."
            let used = ui.paragraph(text, in: body, role: .small, color: ui.theme.textDim)
            grid(ui, crops, Rect(body.x, body.y + used + 6, body.w, max(0, body.h - used - 6)), images, &out)
        } else {
            let text: String
            if let f = s.cropsFailure, f.key == s.wantedCrops {
                text = "The strongest places could not be read: \(f.message)"
            } else if index != nil, s.indexLayerForDossier == nil {
                text = "\(s.layer.name) is not in the index of \(folderName)."
            } else if index != nil {
                text = "Finding the strongest places in \(folderName)…"
            } else {
                text = (s.indexNote.map { $0 + "\n\n" } ?? "")
                    + "Index a folder of your photos to see the pieces of them that excite this channel most: the "
                    + "network runs once over every photo (about 15 a second) and keeps each channel's strongest. "
                    + "Dropping a folder on the window does it too."
            }
            ui.paragraph(text, in: body, role: .small, color: ui.theme.textDim)
        }
        buttons(ui, s, parts[1], &out)
    }

    /// Update (or index the photo's folder) and Choose a folder…
    private static func buttons(_ ui: UIContext, _ s: AppState, _ r: Rect, _ out: inout [AppEvent]) {
        let here = s.currentAnalysis.map { ($0.path as NSString).deletingLastPathComponent }
        let cells = r.columns([.fraction(0.5), .fraction(0.5)], spacing: 6)
        let folder = s.currentIndex?.folder ?? (s.indexNote != nil ? s.indexFolder : nil)
        if let folder, folder == here || here == nil {
            if ui.button("Update index##indexAgain", in: cells[0]) { out.append(.indexFolder(folder)) }
        } else if let here,
            ui.button("Index \(short((here as NSString).lastPathComponent))##indexHere", in: cells[0]) {
            out.append(.indexFolder(here))
        }
        if ui.button("Choose a folder…##indexChoose", in: cells[1]) { out.append(.chooseIndexFolder) }
    }

    private static func short(_ name: String) -> String { name.count > 12 ? String(name.prefix(11)) + "…" : name }

    private static func progress(_ ui: UIContext, _ run: IndexRun, _ r: Rect, _ out: inout [AppEvent]) {
        let rows = r.rows([.fixed(24), .fixed(40), .fixed(28), .fill()], spacing: 6)
        let name = (run.folder as NSString).lastPathComponent
        guard let p = run.progress else {
            ui.progressBar(fraction: 0, label: "Indexing \(name): starting…", in: rows[0])
            if ui.button("Stop##indexStop", in: Rect(rows[2].x, rows[2].y, 80, 26)) { out.append(.cancelIndex) }
            return
        }
        let left = p.secondsLeft.map {
            $0 >= 90 ? String(format: "%.0f min left", $0 / 60) : String(format: "%.0f s left", $0)
        } ?? "…"
        ui.progressBar(
            fraction: Float(p.done) / Float(max(1, p.total)), label: "\(p.done) of \(p.total) · \(left)", in: rows[0])
        ui.paragraph(
            String(
                format: "Indexing %@: %.1f photos a second; %@", name, p.imagesPerSecond,
                (p.currentFile as NSString).lastPathComponent),
            in: rows[1], role: .small, color: ui.theme.textDim)
        if ui.button("Stop##indexStop", in: Rect(rows[2].x, rows[2].y, 80, 26)) { out.append(.cancelIndex) }
    }

    private static func grid(
        _ ui: UIContext, _ crops: [TopCrop], _ r: Rect, _ images: PanelImages, _ out: inout [AppEvent]
    ) {
        let gap: Float = 6, name: Float = 16
        let side = min(((r.w - 2 * gap) / 3).rounded(.down), ((r.h - 3 * name - 2 * gap) / 3).rounded(.down))
        guard side > 8 else { return }
        for (i, crop) in crops.prefix(9).enumerated() {
            let cell = Rect(r.x + Float(i % 3) * (side + gap), r.y + Float(i / 3) * (side + name + gap), side, side)
            let label = ui.fitted([(crop.entry.relativePath as NSString).lastPathComponent], role: .small, width: side)
            ui.draw(.text(label, origin: Vec2(cell.x, cell.maxY + 1), ui.theme.textDim, .small))
            ui.pushID(i)
            if ui.imageButton(images.cropKey(slot: i), in: cell) { out.append(.openCrop(crop.entry.path)) }
            ui.popID()
            if ui.lastItemHovered {
                ui.tooltip("\(crop.entry.relativePath) · \(PaneChrome.format(crop.entry.value)) · click to open it")
            }
        }
    }
}
