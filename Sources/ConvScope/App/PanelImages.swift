import ConvEngine
import ImmediateUI
import Platform
import Raster

/// Supplies the pixels behind each ImageKey the panels draw, built from the current analysis on demand. Keys are
/// versioned by what they show, so the canvas's texture cache re-uploads only what changed.
final class PanelImages: ImageProvider {
    var state: () -> AppState = { AppState() }
    static let tileKeys = (0..<64).map { ImageKey("tile-\($0)").id }
    static let filterKeys = (0..<64).map { ImageKey("filter-\($0)").id }
    static let enlargedFilter = ImageKey("enlarged-filter").id
    static let input = ImageKey("input").id, network = ImageKey("network").id, camGray = ImageKey("cam-gray").id
    static let camHeat = ImageKey("cam-heat").id, enlarged = ImageKey("enlarged").id, grayBar = ImageKey("gray-bar").id

    /// Channel maps and the raw heatmap keep crisp squares; photos are smoothed.
    func isNearest(_ key: ImageKey) -> Bool { key.id == Self.enlarged || Self.tileKeys.contains(key.id) }

    // MARK: keys for the current state

    func inputKey(_ a: Analysis) -> ImageKey { ImageKey(id: Self.input, version: a.generation) }
    func networkKey(_ a: Analysis) -> ImageKey { ImageKey(id: Self.network, version: a.generation) }
    func camGrayKey(_ a: Analysis) -> ImageKey { ImageKey(id: Self.camGray, version: a.generation) }
    func camHeatKey(_ c: CAMView) -> ImageKey {
        ImageKey(id: Self.camHeat, version: c.imageGeneration &* 7919 &+ Int(truncatingIfNeeded: c.result.map.hashValue))
    }
    func tileKey(slot: Int, analysis a: Analysis, layer: Int, page: Int) -> ImageKey {
        ImageKey(id: Self.tileKeys[slot], version: (a.generation * 32 + layer) * 64 + page)
    }
    func enlargedKey(_ a: Analysis, layer: Int, channel: Int) -> ImageKey {
        ImageKey(id: Self.enlarged, version: (a.generation * 32 + layer) * 4096 + channel)
    }
    var grayBarKey: ImageKey { ImageKey(id: Self.grayBar, version: 1) }
    func filterKey(slot: Int, key: FilterKey, filter: Int) -> ImageKey {
        ImageKey(id: Self.filterKeys[slot], version: Self.version(key, filter))
    }
    func enlargedFilterKey(key: FilterKey, filter: Int) -> ImageKey {
        ImageKey(id: Self.enlargedFilter, version: Self.version(key, filter))
    }
    private static func version(_ key: FilterKey, _ filter: Int) -> Int {
        var h = Hasher()
        h.combine(key); h.combine(filter)
        return h.finalize()
    }

    // MARK: ImageProvider

    func image(for key: ImageKey) -> RGBAImage? {
        let s = state()
        if key.id == Self.grayBar { return Self.grayRamp(width: 16, height: 256) }
        if key.id == Self.enlargedFilter || Self.filterKeys.contains(key.id) {
            guard let fk = s.filterKey, let set = s.filterCache[fk] else { return nil }
            let filter = key.id == Self.enlargedFilter ? s.enlargedFilter : Self.filterKeys.firstIndex(of: key.id).map { s.channelPage * 64 + $0 }
            return filter.flatMap { set.images[$0] }.map(FilterGrid.tile)
        }
        guard let a = s.analysis else { return nil }
        switch key.id {
        case Self.input: return a.image.preview
        case Self.network: return a.image.network
        case Self.camGray: return a.gray
        case Self.camHeat:
            guard let c = s.cam else { return nil }
            return Self.heatmap(c.result)
        case Self.enlarged:
            guard let c = s.enlargedChannel else { return nil }
            return LayerGrid.channelImage(a.activations.layer(s.layerIndex), c)
        default:
            guard let slot = Self.tileKeys.firstIndex(of: key.id) else { return nil }
            let map = a.activations.layer(s.layerIndex)
            if s.channelPage == 0 { return slot < a.tiles[s.layerIndex].count ? a.tiles[s.layerIndex][slot] : nil }
            let c = s.channelPage * 64 + slot
            return c < map.channels ? LayerGrid.channelImage(map, c) : nil
        }
    }

    /// The Grad-CAM map resized bilinearly to 224×224 and painted with jet: the renderer only scales it further.
    static func heatmap(_ r: GradCAMResult) -> RGBAImage {
        let map = FloatMap(width: r.layer.width, height: r.layer.height, values: r.map).resizedBilinear(width: 224, height: 224)
        return Overlay.heatmapImage(map)
    }

    static func grayRamp(width: Int, height: Int) -> RGBAImage {
        var img = RGBAImage(width: width, height: height, fill: (r: 0, g: 0, b: 0, a: 255))
        for y in 0..<height {
            let v = UInt8(255 - y * 255 / max(1, height - 1))
            for x in 0..<width { img[x, y] = (r: v, g: v, b: v, a: 255) }
        }
        return img
    }
}
