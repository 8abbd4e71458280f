import ConvEngine
import Foundation

/// Everything the window shows, owned by the UI thread. The engine writes to it only through `EngineWorker.Event`s.
struct AppState {
    var weights: WeightsInfo?
    var weightsError: String?
    var analysis: Analysis?
    var cam: CAMView?
    var camRequest = CAMRequest()
    var camOpacity: Float = 0.5
    var layerIndex = 7                  // block3_conv2 in VGG16; set again when a model loads
    var channelPage = 0                 // 64 channels a page
    var enlargedChannel: Int?
    var showHelp = false
    var crop = false
    var imageGeneration = 0
    var pendingImage: String?           // being analysed
    var busy: String?                   // what the engine is doing
    var busySince: Date?
    var status = "Drop a photo onto the window."
    var statusIsError = false
    var exportProgress: (done: Int, total: Int)?
    var download: (text: String, fraction: Double?)?
    var noWeightsFound = false
    var awaitingWeights = false
    /// The middle pane shows the layer's channel maps for this image, or its filters' images.
    var showFilters = false
    var filterSettings = AscentSettings()
    var filterCache: [FilterKey: FilterSet] = [:]
    var filterProgress: FilterProgress?
    var filtersRequested: (key: FilterKey, filters: [Int])?
    var filterError: (key: FilterKey, message: String)?
    var enlargedFilter: Int?

    /// The loaded model's hidden layers (none before one loads).
    var hiddenLayers: [LayerInfo] { weights?.hiddenLayers ?? [] }
    var layer: LayerInfo { layerAt(layerIndex) }
    func layerAt(_ i: Int) -> LayerInfo {
        hiddenLayers.isEmpty ? LayerInfo(index: 0, name: "—", kind: .pool, height: 1, width: 1, channels: 1, first: 0, last: 0)
            : hiddenLayers[min(max(i, 0), hiddenLayers.count - 1)]
    }
    func className(_ i: Int) -> String { weights?.classNames[safe: i] ?? "class \(i)" }
    var pageCount: Int { max(1, (layer.channels + 63) / 64) }

    /// The filter images the middle pane would show now, if the layer is a convolution and weights are loaded.
    var filterKey: FilterKey? {
        guard let w = weights, layer.isConv else { return nil }
        return FilterKey(weightsPath: w.key, layer: layer.name, settings: filterSettings)
    }

    mutating func setStatus(_ text: String, error: Bool = false) { status = text; statusIsError = error }

    /// Moves the layer slider, keeping the channel page and enlarged channel in range.
    mutating func selectLayer(_ index: Int) {
        layerIndex = min(max(index, 0), max(hiddenLayers.count - 1, 0))
        channelPage = min(channelPage, pageCount - 1)
        if let c = enlargedChannel, c >= layer.channels { enlargedChannel = layer.channels - 1 }
        if let f = enlargedFilter, !layer.isConv || f >= layer.channels { enlargedFilter = nil }
    }
}

extension Array {
    subscript(safe i: Int) -> Element? { indices.contains(i) ? self[i] : nil }
}
