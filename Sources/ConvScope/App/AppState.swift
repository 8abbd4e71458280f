import ConvEngine
import Foundation

/// Everything the window shows, as one value owned by the UI thread and changed only by `reduce` (AppState+Reduce).
struct AppState {
    // The model.
    var weights: WeightsInfo?
    var weightsError: String?
    var noWeightsFound = false
    var download: (text: String, fraction: Double?)?

    // The image, held once: the newest analysis, and which request the window waits for.
    var analysis: Analysis?
    var imageGeneration = 0
    var pendingImage: String?
    var crop = false
    var recentFiles: [String] = []

    // What the engine does, and what the status bar says.
    var activity = Activity.idle
    var activitySince = Date()
    var status = StatusLine()
    var exportProgress: (done: Int, total: Int)?

    // The layer view.
    var layerIndex = 7  // block3_conv2 in VGG16 and VGG19; kept by name when another model loads
    /// The layer to show when a model loads (the last one looked at, from the settings).
    var preferredLayer: String?
    var channelPage = 0  // 64 tiles a page
    var enlargedChannel: Int?
    /// The dossier of the enlarged channel, and the contribution order: the engine's answers and what was asked.
    var contributions: (key: ContributionKey, value: ChannelContributions)?
    var contributionsRequested: ContributionKey?
    var channelAttribution: ChannelAttributionView?
    var attributionRequested: ChannelAttributionKey?
    /// Why a dossier panel failed, by "layer|contributions" or "layer|channel" (cleared with each new analysis).
    var dossierFailures: [String: String] = [:]
    /// The folder of photos whose index the dossier shows (remembered), the index, and a run in progress.
    var indexFolder: String?
    var photoIndex: PhotoIndexView?
    var indexLoadRequested: String?
    var indexRun: IndexRun?
    var indexRuns = 0
    /// Why the remembered folder's index is not used (made with other settings, unreadable), for the dossier.
    var indexNote: String?
    /// Said with the next analysis's line, so it is not replaced by it at once (several images dropped together).
    var dropNote: String?
    var topCrops: (key: TopCropsKey, crops: [TopCrop])?
    var cropsRequested: TopCropsKey?
    var cropsFailure: (key: TopCropsKey, message: String)?
    /// The photo of a dossier crop being opened: when it arrives, the dossier stays open on its channel.
    var dossierCropPath: String?
    var grid = GridOptions()
    /// The layer's channels in display order (index, sorted, dead hidden), for the current analysis and layer.
    var gridOrder: [Int] = []

    // Grad-CAM.
    var cam: CAMView?
    var camRequest = CAMRequest()
    var camOpacity: Float = 0.5
    var camOpacityFollowsHeat = false
    var camFollowsLayer = false
    var camCompare = false
    var compareAxis = CompareAxis.methods
    /// The method the sanity plot shows in front (its legend entry clicked), nil for all alike.
    var sanityFocus: String?
    /// The sanity plot shows SSIM instead of Spearman where only one plot fits (a small pane).
    var sanityShowsSSIM = false
    /// The compare view's maps and scores, for one image and request (method left out), filled as they arrive.
    var comparison = Comparison()

    // Filter images.
    var showFilters = false
    /// Lucid's method unless the user picks the plain ascent; each method keeps its own settings.
    var filterMethod = FilterMethod.lucid
    var filterSettings = AscentSettings()
    var lucidSettings = FeatureVisSettings()
    var filterCache: [FilterKey: FilterSet] = [:]
    var filterProgress: FilterProgress?
    var filtersRequested: (key: FilterKey, filters: [Int])?
    var filterError: (key: FilterKey, message: String)?
    var enlargedFilter: Int?

    // Overlays.
    var showHelp = false
    var browser: FileBrowser?
    /// A desktop file chooser is open (a second Ctrl+O waits for it).
    var choosing = false
    var quit = false

    /// The loaded model's hidden layers (none before one loads).
    var hiddenLayers: [LayerInfo] { weights?.hiddenLayers ?? [] }
    var layer: LayerInfo { layerAt(layerIndex) }
    func layerAt(_ i: Int) -> LayerInfo {
        hiddenLayers.isEmpty
            ? LayerInfo(index: 0, name: "—", kind: .pool, height: 1, width: 1, channels: 1, first: 0, last: 0)
            : hiddenLayers[min(max(i, 0), hiddenLayers.count - 1)]
    }
    func className(_ i: Int) -> String { weights?.classNames[safe: i] ?? "class \(i)" }

    /// Tiles in the grid: the shown channels (all, or the live ones), 64 a page.
    var shownChannels: Int { showFilters || currentAnalysis == nil ? layer.channels : gridOrder.count }
    var pageCount: Int { max(1, (shownChannels + 63) / 64) }

    /// The one staleness rule: an analysis is shown as current only when it answers the newest image request and was
    /// made by the model loaded now.
    var currentAnalysis: Analysis? {
        guard let a = analysis, a.generation == imageGeneration, a.modelKey == weights?.key else { return nil }
        return a
    }

    /// The Grad-CAM the pane shows: for the current analysis only.
    var currentCAM: CAMView? {
        guard let c = cam, let a = currentAnalysis, c.imageGeneration == a.generation else { return nil }
        return c
    }

    /// Whether something moves on screen (a spinner, a progress bar), so frames must keep coming.
    var animating: Bool {
        activity != .idle || exportProgress != nil || download != nil || filtersRequested != nil || indexRun != nil
    }

    /// The filter method with its settings.
    var filterRecipe: FilterRecipe { filterMethod == .lucid ? .lucid(lucidSettings) : .plain(filterSettings) }

    /// The filter images the middle pane would show now, if the layer is a convolution and a model is loaded.
    var filterKey: FilterKey? {
        guard let w = weights, layer.isConv else { return nil }
        return FilterKey(weightsPath: w.key, layer: layer.name, recipe: filterRecipe)
    }

    /// Whether the window shows a finished analysis: layers and classes, and the Grad-CAM when there is a classifier.
    var showsCompleteAnalysis: Bool {
        guard let a = currentAnalysis, pendingImage == nil, activity == .idle else { return false }
        return a.classification == nil || currentCAM != nil
    }
}

extension Array {
    subscript(safe i: Int) -> Element? { indices.contains(i) ? self[i] : nil }
}
