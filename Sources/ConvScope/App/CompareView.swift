import ConvEngine
import Foundation
import ImmediateUI

/// Which method, which layer? Every CAM method's map for the current class and layer, or the current method at every
/// convolution and LayerCAM's fusion of them, side by side, each with how far the network agrees with it: deletion
/// (area under the probability as the map's top pixels are blacked out; lower is better), insertion (as they are put
/// into a blurred copy; higher is better), Average Drop (when the photo is multiplied by the map) and, once every cell
/// is in, ROAD's combined score (higher is better). The best of each is marked; a click makes that method, or that
/// layer, the pane's.
enum CompareView {
    static let fusion = "fusion"
    /// Enough slots for VGG19's 16 convolutions and the fusion, with room.
    static let slots = 32

    /// The cells the view shows, in order: (name, title).
    static func items(_ s: AppState) -> [(name: String, title: String)] {
        switch s.compareAxis {
        case .methods: return CAMMethods.all.map { ($0.name, $0.title) }
        case .sanity: return []
        case .layers:
            return Array(s.hiddenLayers.filter(\.isConv).map { ($0.name, $0.name) }.prefix(slots - 1))
                + [(fusion, "LayerCAM fusion")]
        }
    }

    /// The axis tabs' labels and cells: each as wide as its label with the rest shared out, or short labels in
    /// equal thirds when the long ones don't fit (a narrow window).
    static func tabs(_ ui: UIContext, _ r: Rect) -> (labels: [String], cells: [Rect]) {
        let long = ["Every method", "Every layer", "Sanity"]
        let short = ["Methods", "Layers", "Sanity"]
        let widths = long.map { ui.buttonSize($0).x }
        let spare = r.w - widths.reduce(0, +) - 8
        guard spare >= 0 else {
            return (short, r.columns([.fraction(0.34), .fraction(0.33), .fraction(0.33)], spacing: 4))
        }
        return (long, r.columns(widths.map { .fixed(($0 + spare / 3).rounded(.down)) }, spacing: 4))
    }

    static func draw(
        _ ui: UIContext, _ s: AppState, _ a: Analysis, _ r: Rect, _ images: PanelImages,
        _ out: inout [AppEvent]
    ) {
        let items = items(s)
        let cells =
            s.comparison.generation == a.generation && s.comparison.axis == s.compareAxis ? s.comparison.cells : []
        let parts = r.rows([.fixed(24), .fixed(30), .fill()], spacing: 4)
        let (labels, axis) = tabs(ui, parts[0])
        for (i, option) in CompareAxis.allCases.enumerated() {
            let label = labels[i]
            if ui.selectable("\(label)##compareAxis-\(option.rawValue)", selected: s.compareAxis == option, in: axis[i])
            {
                out.append(.compareAxis(option))
            }
        }
        if s.compareAxis == .sanity { return sanity(ui, s, a, parts[1].union(parts[2]), &out) }
        let failures =
            s.comparison.generation == a.generation && s.comparison.axis == s.compareAxis ? s.comparison.failures : [:]
        let done = cells.count + items.filter { failures[$0.name] != nil }.count
        let roadDone =
            s.comparison.generation == a.generation && s.comparison.axis == s.compareAxis
            ? s.comparison.roadDone : 0
        let area = parts[2].rows([.fill(), .fixed(parts[2].h >= 360 ? 96 : 0)], spacing: 6)
        let columns = parts[2].w >= 4 * 150 ? 4 : (parts[2].w >= 3 * 150 ? 3 : 2)
        let rows = (items.count + columns - 1) / columns
        // Maps too small to read and scores cut short in a grid (a small pane): one row per entry instead.
        let asTable = area[0].h / Float(rows) - 6 < minimumGridCell
        let head =
            done < items.count
            ? "Computing the maps and their scores… \(done) of \(items.count)"
            : roadDone < cells.count
                ? ui.fitted(
                    [
                        "ROAD (18 passes a map)… \(roadDone) of \(cells.count) · deletion: lower is better",
                        "ROAD… \(roadDone) of \(cells.count)",
                    ], role: .small, width: parts[1].w)
                : asTable
                    ? "Blue: the best of each column. Click a row to use its map; hover it for every score."
                    : [
                        "Deletion: lower is better · insertion, ROAD: higher is better · AD: average drop. Click a map "
                            + "to use it.",
                        "Better: deletion ↓, insertion ↑, ROAD ↑ · AD: average drop. Click a map to use it.",
                    ].first { ui.measurer.size(of: $0, role: .small).x <= 1.8 * parts[1].w } ?? "Click a map to use it."
        _ = ui.paragraph(head, in: parts[1], role: .small, color: ui.theme.textDim)
        let bestDeletion = cells.min { $0.scores.deletion.area < $1.scores.deletion.area }?.name
        let bestInsertion = cells.max { $0.scores.insertion.area < $1.scores.insertion.area }?.name
        // Starred once every cell's ROAD is in (before, the pane's own entry would lead alone).
        let bestROAD =
            roadDone == cells.count && done == items.count
            ? cells.filter { $0.road != nil }.max { $0.road!.combined < $1.road!.combined }?.name : nil
        if asTable {
            let best = Best(deletion: bestDeletion, insertion: bestInsertion, road: bestROAD)
            return table(ui, s, a, items, cells, failures, best, parts[2], images, &out)
        }
        let grid = area[0].rows(Array(repeating: .fraction(1 / Float(rows)), count: rows), spacing: 6).map {
            $0.columns(Array(repeating: .fraction(1 / Float(columns)), count: columns), spacing: 6)
        }
        for (slot, item) in items.enumerated() {
            let cell = grid[slot / columns][slot % columns]
            let roomy = cell.h >= 120
            let split = cell.rows([.fill(), .fixed(roomy ? 44 : 30)], spacing: 2)
            let dest = ui.fit(width: a.image.shown.width, height: a.image.shown.height, in: split[0])
            let text = Vec2(split[1].x, min(split[1].y, dest.y + dest.h + 3))  // just under the map
            ui.draw(.image(images.camGrayKey(a), dest: dest, tint: .white))
            let current =
                s.compareAxis == .methods
                ? item.name == s.camRequest.method
                : item.name == (s.camRequest.layer ?? s.weights?.defaultCAMLayer)
            if let c = cells.first(where: { $0.name == item.name }) {
                if ui.imageButton(
                    images.compareKey(slot: slot, cell: c), label: item.title, in: dest,
                    tint: Color(255, 255, 255, UInt8(s.camOpacity * 255)))
                {
                    if s.compareAxis == .methods {
                        out.append(.camMethod(item.name))
                    } else if item.name != fusion {
                        out.append(.camLayer(item.name))
                    }
                }
                let d = c.scores.deletion.area
                let i = c.scores.insertion.area
                let line = String(
                    format: "del %.3f%@  ins %.3f%@", d, c.name == bestDeletion ? " ★" : "", i,
                    c.name == bestInsertion ? " ★" : "")
                let star = c.name == bestROAD && cells.count > 1 ? " ★" : ""
                let road = c.road.map { String(format: "  ROAD %.3f%@", $0.combined, star) } ?? ""
                // A small cell has one line under its title: ROAD joins it where it fits.
                let first = roomy ? line : ui.fitted([line + road, line], role: .small, width: split[1].w)
                ui.draw(.text(first, origin: Vec2(text.x, text.y + 14), ui.theme.textDim, .small))
                if roomy {
                    let drop = String(format: "AD %.1f%%", c.scores.drop)
                    // The longest form that fits the cell: Increase in Confidence, then AD's decimal, go first.
                    let short = String(format: "AD %.0f%%", c.scores.drop)
                    let line = ui.fitted(
                        [
                            drop + (c.scores.increase ? " · IC" : "") + road, drop + road, short + road,
                            short + road.dropFirst(),
                        ],
                        role: .small, width: split[1].w)
                    ui.draw(.text(line, origin: Vec2(text.x, text.y + 28), ui.theme.textDim, .small))
                }
            } else if let why = failures[item.name] {
                _ = ui.paragraph(
                    "Could not compute: \(why)", in: dest.inset(by: Vec2(6, 6)), role: .small,
                    color: Color(hex: 0xFF7A6B))
            } else {
                ui.draw(
                    .text("…", origin: Vec2(dest.x + dest.w / 2 - 4, dest.y + dest.h / 2 - 8), ui.theme.textDim, .body))
            }
            if current { ui.draw(.rectOutline(dest, ui.theme.accent, thickness: 2)) }
            ui.draw(
                .text(
                    item.title, origin: text, current ? ui.theme.text : ui.theme.textDim,
                    .small))
        }
        // The deletion and insertion curves of the pane's own method (or layer), and its ROAD curves beside them.
        let shown =
            s.compareAxis == .methods ? s.camRequest.method : (s.camRequest.layer ?? s.weights?.defaultCAMLayer ?? "")
        if area[1].h > 0, let c = cells.first(where: { $0.name == shown }) {
            let plots = c.road == nil ? [area[1]] : area[1].columns([.fraction(0.58), .fraction(0.42)], spacing: 16)
            if let road = c.road {
                CurvePlot.draw(
                    ui, plots[1],
                    [
                        .init(label: "MoRF", values: road.mostRelevantFirst, color: Color(hex: 0xFFB86B)),
                        .init(label: "LeRF", values: road.leastRelevantFirst, color: Color(hex: 0x6BC5FF)),
                    ], range: -1...1,
                    caption: String(format: "ROAD (Δ p), combined %.3f", road.combined),
                    from: "10th", to: "90th pct")
            }
            CurvePlot.draw(
                ui, plots[0],
                [
                    .init(label: "deletion", values: c.scores.deletion.probabilities, color: Color(hex: 0xFFB86B)),
                    .init(label: "insertion", values: c.scores.insertion.probabilities, color: Color(hex: 0x6BC5FF)),
                ], range: 0...1,
                caption: c.road == nil
                    ? "\(c.map.method) at \(c.map.layer.name): probability of the class as pixels change"
                    : "\(c.map.method) at \(c.map.layer.name): probability",
                from: "0%", to: "100% of the pixels")
        }
    }

    /// Below this height a grid cell's map and two score lines do not fit: the view becomes a table.
    static let minimumGridCell: Float = 110

    /// The entries holding each score's best value (nil: none yet).
    struct Best {
        let deletion: String?, insertion: String?, road: String?
    }

    /// One row per entry: its map, its title (a click makes it the pane's) and its scores in columns under a header
    /// (deletion ↓, insertion ↑, Average Drop ↓, ROAD ↑), the best of each in blue; every score in words in the
    /// row's tooltip.
    static func table(
        _ ui: UIContext, _ s: AppState, _ a: Analysis, _ items: [(name: String, title: String)], _ cells: [CompareCell],
        _ failures: [String: String], _ best: Best, _ r: Rect, _ images: PanelImages, _ out: inout [AppEvent]
    ) {
        let lineHeight = ui.measure("Ag", role: .small).y
        let rowHeight = min(44, max(lineHeight + 2, ((r.h - lineHeight - 4) / Float(items.count)).rounded(.down)))
        // Columns as wide as their widest value; the best of each is drawn bright, not starred (no room for it).
        // Average Drop goes first where the titles would have no room (the tooltip still gives it).
        let number = ui.measure("-0.000", role: .small).x + 6
        let percent = ui.measure("100%", role: .small).x + 6
        let titleRoom = r.w - rowHeight - 3 * number - 5 * 4 - ui.theme.padding.x
        let withDrop = titleRoom - percent >= ui.measure("Grad-CAM++", role: .small).x
        let headers =
            [["deletion ↓", "del ↓", "del"], ["insertion ↑", "ins ↑", "ins"]] + (withDrop ? [["AD ↓", "AD"]] : [])
            + [["ROAD ↑", "ROAD", "RD"]]
        let widths = [number, number] + (withDrop ? [percent] : []) + [number]
        let columnSizes: [Size] = [.fixed(rowHeight), .fill()] + widths.map { .fixed($0) }
        let header = Rect(r.x, r.y, r.w, lineHeight + 2).columns(columnSizes, spacing: 4)
        for (i, forms) in headers.enumerated() {
            rightAligned(ui, ui.fitted(forms, role: .small, width: widths[i]), in: header[i + 2], ui.theme.textDim)
        }
        for (slot, item) in items.enumerated() {
            let row = Rect(r.x, r.y + lineHeight + 4 + Float(slot) * rowHeight, r.w, rowHeight - 2)
            guard row.maxY <= r.maxY else { break }
            let c = row.columns(columnSizes, spacing: 4)
            let current =
                s.compareAxis == .methods
                ? item.name == s.camRequest.method
                : item.name == (s.camRequest.layer ?? s.weights?.defaultCAMLayer)
            let choose = s.compareAxis == .methods ? AppEvent.camMethod(item.name) : .camLayer(item.name)
            let clickable = s.compareAxis == .methods || item.name != fusion
            let title = ui.fitted(
                [item.title, shortTitles[item.name] ?? item.title], role: .small, width: c[1].w - ui.theme.padding.x)
            let rest = Rect(c[1].x, row.y, row.maxX - c[1].x, row.h)
            if ui.selectable("\(title)##compareRow-\(slot)", selected: current, in: rest, role: .small), clickable {
                out.append(choose)
            }
            let entry = cells.first { $0.name == item.name }
            if ui.lastItemHovered, let entry { ui.tooltip(summary(item.title, entry, best)) }
            let thumb = ui.fit(width: a.image.shown.width, height: a.image.shown.height, in: c[0])
            ui.draw(.image(images.camGrayKey(a), dest: thumb, tint: .white))
            guard let entry else {
                let why = failures[item.name].map { "could not compute: \($0)" } ?? "…"
                let t = ui.fitted([why], role: .small, width: row.maxX - c[2].x)
                ui.draw(.text(t, origin: Vec2(c[2].x, row.y + (row.h - lineHeight) / 2), ui.theme.textDim, .small))
                continue
            }
            if ui.imageButton(
                images.compareKey(slot: slot, cell: entry), label: item.title, in: thumb,
                tint: Color(255, 255, 255, UInt8(s.camOpacity * 255))), clickable
            {
                out.append(choose)
            }
            let plain = current ? ui.theme.text : ui.theme.textDim
            let bright = Color(hex: 0x7FD4FF)
            let isBest = { (name: String?) in name == item.name && cells.count > 1 }
            let values: [(String, Bool)] =
                [
                    (String(format: "%.3f", entry.scores.deletion.area), isBest(best.deletion)),
                    (String(format: "%.3f", entry.scores.insertion.area), isBest(best.insertion)),
                ] + (withDrop ? [(String(format: "%.0f%%", entry.scores.drop), false)] : [])
                + [(entry.road.map { String(format: "%.3f", $0.combined) } ?? "…", isBest(best.road))]
            for (i, (v, top)) in values.enumerated() {
                rightAligned(ui, v, in: Rect(c[i + 2].x, row.y, c[i + 2].w, row.h), top ? bright : plain)
            }
        }
    }

    /// `text` in the small font against `r`'s right edge, centred in its height.
    private static func rightAligned(_ ui: UIContext, _ text: String, in r: Rect, _ color: Color) {
        let size = ui.measure(text, role: .small)
        ui.draw(.text(text, origin: Vec2(r.maxX - size.x, (r.y + (r.h - size.y) / 2).rounded()), color, .small))
    }

    /// Every score of one entry in words (the table's tooltip).
    static func summary(_ title: String, _ c: CompareCell, _ best: Best) -> String {
        func mark(_ name: String?) -> String { name == c.name ? " (the best here)" : "" }
        var text = String(
            format: "%@: deletion %.3f%@, insertion %.3f%@, Average Drop %.1f %%%@", title, c.scores.deletion.area,
            mark(best.deletion), c.scores.insertion.area, mark(best.insertion), c.scores.drop,
            c.scores.increase ? ", and the class's confidence rose (Increase in Confidence)" : "")
        if let road = c.road {
            text += String(format: "; ROAD combined %.3f%@", road.combined, mark(best.road))
        }
        return text + ". Click to use it."
    }

    /// The sanity check's curves: how alike each method's map stays as the layers are randomised from the output down,
    /// the pane's method in white and drawn on top; Spearman beside SSIM when there is room (in a small pane one plot,
    /// and a switch between the two above it). Under them each method's colour and its Spearman once the dense head is
    /// random, in red when the map still looks alike there (it survives a random classifier).
    static func sanity(_ ui: UIContext, _ s: AppState, _ a: Analysis, _ r: Rect, _ out: inout [AppEvent]) {
        let mine = s.comparison.generation == a.generation && s.comparison.axis == .sanity
        let all = mine ? s.comparison.sanity : []
        let points = all.filter { $0.step >= 0 }  // the trained maps' points only say they are made
        let failures = mine ? s.comparison.failures : [:]
        let (steps, count) = (all.first?.of ?? 0, all.first?.methods ?? 0)
        var methods: [(name: String, title: String)] = []
        for p in all where !methods.contains(where: { $0.name == p.method }) { methods.append((p.method, p.title)) }
        let hidden = Set(s.hiddenLayers.map(\.name))
        var stepLayers: [String] = []
        for p in points where !stepLayers.contains(p.layer) { stepLayers.append(p.layer) }
        let head = max(stepLayers.prefix { !hidden.contains($0) }.count, 1)
        let trained = all.count - points.count
        let progress =
            mine && s.comparison.sanityEnded
            ? "Done: \(steps) steps."
            : points.isEmpty && trained < max(count, 1)
                ? (count == 0 ? "Making the trained maps…" : "Trained maps: \(trained) of \(count)…")
                : "Map \(min(points.count + failures.count, steps * count)) of \(steps * count)…"
        let roomy = r.w >= 420 && r.h >= 420
        let intro =
            roomy
            ? "Sanity check (Adebayo et al., 2018): every method's map as the network's layers are re-initialised "
                + "at random, from the output down. A map that stays alike (near 1) explains the photo's edges, not "
                + "the network. Beside each name: its Spearman once the dense head is random; red: still alike. "
                + "Click a name to bring its curve forward. "
            : "Sanity check: each map as the layers go random from the output down; red: alike after a random "
                + "head. Click a name to bring it forward. "
        let used = ui.paragraph(intro + progress, in: r, role: .small, color: ui.theme.textDim)
        let failed = failures.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: "; ")
        let columns = max(1, min(4, Int(r.w / (roomy ? 215 : 130))))
        let legendRows = (max(count, methods.count) + columns - 1) / columns
        let rowHeight: Float = roomy ? 17 : 15
        let rest = Rect(r.x, r.y + used + 4, r.w, max(r.h - used - 4, 0))
        let parts = rest.rows(
            [.fill(), .fixed(Float(legendRows) * rowHeight), .fixed(failed.isEmpty ? 0 : 30)], spacing: 6)
        let focus = methods.contains { $0.name == s.sanityFocus } ? s.sanityFocus : nil
        let series = methods.enumerated().map { i, m in
            (
                m, points.filter { $0.method == m.name }.sorted { $0.step < $1.step },
                i == 0 ? Color.white : palette[i % palette.count]
            )
        }
        // Drawn back to front: the focused method (else the pane's) last; the others faint while one is focused.
        let front = focus ?? methods.first?.name
        let drawn = series.reversed().filter { $0.0.name != front } + series.filter { $0.0.name == front }
        let area = parts[0]
        let plots: [Rect]
        let measures: [Int]  // 0 Spearman, 1 SSIM
        if area.w >= 2.4 * area.h && area.h >= 110 {
            (plots, measures) = (area.columns([.fraction(0.5), .fraction(0.5)], spacing: 10), [0, 1])
        } else if area.h >= 260 {
            (plots, measures) = (area.rows([.fraction(0.5), .fraction(0.5)], spacing: 6), [0, 1])
        } else {
            // One plot: its caption is a switch between the two measures.
            let names = ["Spearman", "SSIM"]
            let widths = names.map { ui.measurer.size(of: $0, role: .small).x + 2 * ui.theme.padding.x }
            let caption = Rect(area.x, area.y, area.w, 16).columns(
                [.fixed(widths[0]), .fixed(widths[1]), .fill()], spacing: 2)
            for (k, name) in names.enumerated() {
                let on = (k == 1) == s.sanityShowsSSIM
                if ui.selectable("\(name)##sanityMeasure-\(k)", selected: on, in: caption[k], role: .small), !on {
                    out.append(.sanityShowsSSIM(k == 1))
                }
            }
            let rest = ui.fitted(["with the trained map", "vs trained"], role: .small, width: caption[2].w - 2)
            ui.draw(.text(rest, origin: Vec2(caption[2].x + 2, caption[2].y), ui.theme.textDim, .small))
            (plots, measures) = ([area], [s.sanityShowsSSIM ? 1 : 0])
        }
        let to = "randomised to \(stepLayers.last ?? "…")"
        for (plot, k) in zip(plots, measures) {
            let measure = ["Spearman rank correlation", "SSIM"][k]
            ui.recordTraceText("\(measure) with the trained map", kind: "plot", rect: plot)
            CurvePlot.draw(
                ui, plot,
                drawn.map { m, p, color in
                    .init(
                        label: m.title, values: [1] + p.map { k == 0 ? $0.spearman : $0.ssim },
                        color: focus == nil || focus == m.name ? color : color.withAlpha(45))
                }, range: -0.5...1,
                caption: plots.count == 1
                    ? ""  // the switch above is the caption
                    : ui.fitted(
                        [
                            "\(measure) with the trained map",
                            "\(measure.split(separator: " ")[0]) with the trained map",
                        ],
                        role: .small, width: plot.w), from: "trained", to: to,
                legend: false)
        }
        let cells = parts[1].rows(Array(repeating: .fixed(rowHeight), count: legendRows)).map {
            $0.columns(Array(repeating: .fraction(1 / Float(columns)), count: columns), spacing: 8)
        }
        for (i, (m, p, color)) in series.enumerated() {
            let cell = cells[i / columns][i % columns]
            ui.draw(.rect(Rect(cell.x, cell.y + 6, 10, 4), color))
            let label = roomy ? m.title : Self.shortTitles[m.name] ?? m.title
            let entry = Rect(cell.x + 12, cell.y, cell.w - 12, cell.h)
            if ui.selectable("\(label)##sanityFocus-\(m.name)", selected: focus == m.name, in: entry, role: .small) {
                out.append(.sanityFocus(focus == m.name ? nil : m.name))
            }
            guard let afterHead = p.first(where: { $0.step == head - 1 }) else { continue }
            let x = entry.x + ui.theme.padding.x + ui.measurer.size(of: label + " ", role: .small).x
            let y = entry.y + ((entry.h - ui.measurer.size(of: label, role: .small).y) / 2).rounded(.down)
            ui.draw(
                .text(
                    String(format: "%.2f", afterHead.spearman), origin: Vec2(x, y),
                    afterHead.spearman >= 0.5 ? Color(hex: 0xFF7A6B) : ui.theme.textDim, .small))
        }
        if !failed.isEmpty {
            _ = ui.paragraph("Not computed: " + failed, in: parts[2], role: .small, color: Color(hex: 0xFF7A6B))
        }
    }

    /// Titles that fit a narrow legend column.
    static let shortTitles = [
        "integrated_gradients": "Int. Grad.", "guided_backprop": "Guided BP", "guided_gradcam": "Guided GC",
        "scorecam": "Score-CAM", "ablationcam": "Ablation",
    ]

    /// The sanity plot's colours after the pane's method (white).
    /// After white: hues far apart in the manner of Kelly's colours of maximum contrast, the dark ones brightened for
    /// the dark panel (the pastel set before held four pairs a person could not tell apart).
    static let palette: [Color] = [
        0xFFFFFF, 0xF3C300, 0x1E90FF, 0xF38400, 0x8DB600, 0xE68FAC, 0x40E0D0, 0xE8384F, 0xC2B280, 0x9D7FD4,
        0x00A86B, 0xA0A0A0, 0xB5651D, 0xD03FD0, 0xA1CAF1,
    ].map { Color(hex: $0) }
}
