import ConvEngine
import Foundation
import Raster

extension PanelExports {
    /// The dossier as one PNG, its panels side by side at the network's input size: where the channel fires over the
    /// photo, its share of the class over the photo in gray, guided backprop from it, and its filter image when grown;
    /// the caption says what each number is.
    static func dossier(_ s: AppState, _ a: Analysis, channel c: Int) -> Exporter.Job {
        let layer = s.layer
        let index = s.layerIndex
        let w = a.image.network.width
        let h = a.image.network.height
        let map = a.activations.layer(index)
        let range = s.sharedRange(a)
        let contributions = s.currentContributions
        let guided = s.currentChannelAttribution?.image
        let filter = s.dossierFilterKey.flatMap { s.filterCache[$0]?.images[c] }
        var caption = "\(layer.name) · channel \(c) of \(layer.channels)"
        if let k = contributions {
            caption +=
                " · for \(s.className(k.classIndex)): α \(PaneChrome.format(k.weights[c])), rank \(k.rank(of: c))"
                + " of \(k.channels)"
        }
        var panels = ["where it fires"]
        if contributions != nil { panels.append("its share (red raises the score, blue lowers it)") }
        if guided != nil { panels.append("guided backprop") }
        if filter != nil { panels.append("its filter image") }
        caption += " · panels: " + panels.joined(separator: ", ")
        return .init(what: "\(layer.name)_channel\(c)_dossier", caption: caption) {
            let photo = a.image.network
            let channelImage = range.map { LayerGrid.channelImage(map, c, range: $0) } ?? LayerGrid.channelImage(map, c)
            let blocks = channelImage.scaledNearest(by: max(1, w / map.width))  // crisp squares, as on screen
            let sized = blocks.width == w && blocks.height == h ? blocks : blocks.resized(width: w, height: h)
            var tiles = [sized.blended(over: photo, opacity: 215 / 255)]
            if let k = contributions {
                tiles.append(
                    PanelImages.contribution(k, channel: c, a, index).blended(over: a.image.network.grayscale()))
            }
            if let g = guided { tiles.append(g) }
            if let f = filter { tiles.append(FilterGrid.tile(f).resized(width: w, height: h)) }
            return Tiling.grid(tiles, columns: tiles.count, gap: 8, background: FilterGrid.background)
        }
    }
}
