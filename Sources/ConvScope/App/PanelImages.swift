import ConvEngine
import ImmediateUI
import Platform
import Raster

/// Supplies the pixels behind each ImageKey the panes draw. The app hands it the state after every change
/// (`update`); a key names what it shows (analysis, layer, channel, scale), so the canvas's texture cache re-uploads
/// only what changed and never calls back into the app.
final class PanelImages: ImageProvider {
    private var state = AppState()
    private var ranges: [Int: (min: Float, max: Float)] = [:]
    private var rangesFor = -1
    static let tileKeys = (0..<64).map { ImageKey("tile-\($0)").id }
    static let filterKeys = (0..<64).map { ImageKey("filter-\($0)").id }
    static let enlargedFilter = ImageKey("enlarged-filter").id
    static let compareKeys = (0..<CompareView.slots).map { ImageKey("compare-\($0)").id }
    static let input = ImageKey("input").id, network = ImageKey("network").id, camGray = ImageKey("cam-gray").id
    static let camHeat = ImageKey("cam-heat").id, enlarged = ImageKey("enlarged").id, grayBar = ImageKey("gray-bar").id
    static let jetBar = ImageKey("jet-bar").id, grayBarHorizontal = ImageKey("gray-bar-horizontal").id
    static let contribution = ImageKey("dossier-contribution").id, guided = ImageKey("dossier-guided").id
    static let dossierFilter = ImageKey("dossier-filter").id
    static let cropKeys = (0..<9).map { ImageKey("dossier-crop-\($0)").id }

    func update(_ s: AppState) {
        state = s
        if let a = s.analysis, a.generation != rangesFor {
            ranges = [:]
            rangesFor = a.generation
        }
    }

    /// Channel maps keep crisp squares; photos are smoothed.
    func isNearest(_ key: ImageKey) -> Bool { key.id == Self.enlarged || Self.tileKeys.contains(key.id) }

    // MARK: keys

    func inputKey(_ a: Analysis) -> ImageKey { ImageKey(id: Self.input, version: a.generation) }
    func networkKey(_ a: Analysis) -> ImageKey { ImageKey(id: Self.network, version: a.generation) }
    func camGrayKey(_ a: Analysis) -> ImageKey { ImageKey(id: Self.camGray, version: a.generation) }
    func camHeatKey(_ c: CAMView, followsHeat: Bool) -> ImageKey {
        ImageKey(
            id: Self.camHeat,
            version: (c.imageGeneration &* 7919 &+ Int(truncatingIfNeeded: c.result.map.hashValue)) &* 2
                &+ (followsHeat ? 1 : 0))
    }
    func compareKey(slot: Int, cell: CompareCell) -> ImageKey {
        ImageKey(
            id: Self.compareKeys[slot],
            version: (cell.generation &* 7919 &+ Int(truncatingIfNeeded: cell.map.map.hashValue))
                &* 2 &+ (state.camOpacityFollowsHeat ? 1 : 0))
    }
    func tileKey(slot: Int, analysis a: Analysis, layer: Int, channel: Int, shared: Bool) -> ImageKey {
        ImageKey(
            id: Self.tileKeys[slot], version: ((a.generation * 64 + layer) * 8192 + channel) * 2 + (shared ? 1 : 0))
    }
    func enlargedKey(_ a: Analysis, layer: Int, channel: Int, shared: Bool) -> ImageKey {
        ImageKey(id: Self.enlarged, version: ((a.generation * 64 + layer) * 8192 + channel) * 2 + (shared ? 1 : 0))
    }
    var grayBarKey: ImageKey { ImageKey(id: Self.grayBar, version: 1) }
    var grayBarHorizontalKey: ImageKey { ImageKey(id: Self.grayBarHorizontal, version: 1) }
    var jetBarKey: ImageKey { ImageKey(id: Self.jetBar, version: 1) }
    func filterKey(slot: Int, key: FilterKey, filter: Int) -> ImageKey {
        ImageKey(id: Self.filterKeys[slot], version: Self.version(key, filter))
    }
    func enlargedFilterKey(key: FilterKey, filter: Int) -> ImageKey {
        ImageKey(id: Self.enlargedFilter, version: Self.version(key, filter))
    }
    func contributionKey(_ k: ChannelContributions, channel: Int) -> ImageKey {
        var h = Hasher()
        h.combine(state.contributions?.key)
        h.combine(channel)
        return ImageKey(id: Self.contribution, version: h.finalize())
    }
    func channelAttributionKey(_ v: ChannelAttributionView) -> ImageKey {
        ImageKey(id: Self.guided, version: v.key.hashValue)
    }
    func cropKey(slot: Int) -> ImageKey {
        var h = Hasher()
        h.combine(state.topCrops?.key)
        h.combine(state.topCrops?.crops[safe: slot]?.entry.path)
        h.combine(state.topCrops?.crops[safe: slot]?.entry.box)
        return ImageKey(id: Self.cropKeys[slot], version: h.finalize())
    }
    func dossierFilterKey(_ key: FilterKey, filter: Int) -> ImageKey {
        ImageKey(id: Self.dossierFilter, version: Self.version(key, filter))
    }
    private static func version(_ key: FilterKey, _ filter: Int) -> Int {
        var h = Hasher()
        h.combine(key)
        h.combine(filter)
        return h.finalize()
    }

    /// The layer's smallest and largest value (the shared colour scale), computed once per analysis and layer.
    func layerRange(_ a: Analysis, layer: Int) -> (min: Float, max: Float) {
        if let r = ranges[layer] { return r }
        let r = a.activations.layer(layer).valueRange
        ranges[layer] = r
        return r
    }

    // MARK: ImageProvider

    func image(for key: ImageKey) -> RGBAImage? {
        let s = state
        switch key.id {
        case Self.grayBar: return RGBAImage.grayRamp(width: 16, height: 256, vertical: true)
        case Self.grayBarHorizontal: return RGBAImage.grayRamp(width: 256, height: 8, vertical: false)
        case Self.jetBar:
            return Overlay.heatmapImage(FloatMap(width: 256, height: 1, values: (0..<256).map { Float($0) / 255 }))
        default: break
        }
        if let slot = Self.cropKeys.firstIndex(of: key.id) { return s.currentCrops?[safe: slot]?.image }
        if key.id == Self.dossierFilter {
            guard let fk = s.dossierFilterKey, let c = s.enlargedChannel else { return nil }
            return s.filterCache[fk]?.images[c].map(FilterGrid.tile)
        }
        if key.id == Self.enlargedFilter || Self.filterKeys.contains(key.id) {
            guard let fk = s.filterKey, let set = s.filterCache[fk] else { return nil }
            let filter =
                key.id == Self.enlargedFilter
                ? s.enlargedFilter : Self.filterKeys.firstIndex(of: key.id).map { s.channelPage * 64 + $0 }
            return filter.flatMap { set.images[$0] }.map(FilterGrid.tile)
        }
        guard let a = s.currentAnalysis else { return nil }
        switch key.id {
        case Self.input: return a.image.preview
        case Self.network: return a.image.network
        case Self.camGray: return a.gray
        case Self.camHeat: return s.currentCAM.map { Self.heatmap($0.result, followsHeat: s.camOpacityFollowsHeat) }
        case Self.enlarged: return s.enlargedChannel.map { channel($0, a, s) }
        case Self.guided: return s.currentChannelAttribution?.image
        case Self.contribution:
            guard let k = s.currentContributions, let c = s.enlargedChannel else { return nil }
            return Self.contribution(k, channel: c, a, s.layerIndex)
        default:
            if let slot = Self.compareKeys.firstIndex(of: key.id) {
                guard let name = CompareView.items(s)[safe: slot]?.name else { return nil }
                return s.comparison.cells.first { $0.name == name }.map {
                    Self.heatmap($0.map, followsHeat: s.camOpacityFollowsHeat)
                }
            }
            guard let slot = Self.tileKeys.firstIndex(of: key.id), let c = s.gridOrder[safe: s.channelPage * 64 + slot]
            else { return nil }
            if !s.grid.sharedScale, c < 64, let tile = a.tiles[safe: s.layerIndex]?[safe: c] { return tile.rgba }
            return channel(c, a, s)
        }
    }

    private func channel(_ c: Int, _ a: Analysis, _ s: AppState) -> RGBAImage {
        let map = a.activations.layer(s.layerIndex)
        return s.grid.sharedScale
            ? LayerGrid.channelImage(map, c, range: layerRange(a, layer: s.layerIndex)) : LayerGrid.channelImage(map, c)
    }

    /// α_k·A_k over the photo: red where it raises the class's score, blue where it lowers it, scaled by its own
    /// largest magnitude and resized bilinearly to the network's input.
    static func contribution(_ k: ChannelContributions, channel c: Int, _ a: Analysis, _ layer: Int) -> RGBAImage {
        let map = a.activations.layer(layer)
        let values = k.map(channel: c, of: map)
        let top = values.map(abs).max() ?? 0
        let scaled = top > 0 ? values.map { $0 / top } : values
        return Overlay.signedImage(
            FloatMap(width: map.width, height: map.height, values: scaled).resizedBilinear(
                width: a.image.network.width, height: a.image.network.height))
    }

    /// The Grad-CAM map resized bilinearly to 224×224 and painted with jet; with `followsHeat` each pixel's opacity
    /// is its heat, so cold places show the photo.
    static func heatmap(_ r: CAMMap, followsHeat: Bool) -> RGBAImage {
        let map = FloatMap(width: r.layer.width, height: r.layer.height, values: r.map).resizedBilinear(
            width: 224, height: 224)
        let image = Overlay.heatmapImage(map)
        return followsHeat ? image.withAlpha(map) : image
    }
}
