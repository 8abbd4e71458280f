import ConvEngine
import Foundation

/// Everything that changes the window's state: what a person does (through the panes, keys and drops), what the
/// engine, the exporter and the download report, and the clock.
enum AppEvent {
    // Files.
    case openImage(String)
    case openModel(String)
    case dropped([String])
    case openChooser
    case chooserClosed(String?)
    case browse(FileBrowser?)
    // The layer view.
    case selectLayer(Int)
    case selectPage(Int)
    case showFilters(Bool)
    case enlargeChannel(Int?)
    case enlargeFilter(Int?)
    case grid(GridOptions)
    /// A filter method with its settings: makes it the shown method and keeps the settings.
    case filterRecipe(FilterRecipe)
    // Grad-CAM.
    case camMethod(String)
    /// The compare view: every CAM method's map for the current class and layer, with its scores.
    case camCompare(Bool)
    case compareAxis(CompareAxis)
    /// The sanity plot's method shown in front of the others (nil: all alike).
    case sanityFocus(String?)
    /// The measure a small pane's one sanity plot shows.
    case sanityShowsSSIM(Bool)
    case camClass(Int)
    case camLayer(String)
    case camScore(CAMScore)
    case camOpacity(Float)
    case camOpacityFollowsHeat(Bool)
    case camFollowsLayer(Bool)
    // The model.
    case preprocessing(Preprocessing)
    case startDownload(fullOnly: Bool)
    case cancelDownload
    // Exports.
    case exportInput, exportGrid, exportEnlarged, exportDossier, exportAll, exportCAMOverlay, exportHeatmap,
        exportFilterGrid, exportFilter
    /// Opens the current image's export folder in the file manager.
    case revealExports
    // The window.
    case showHelp(Bool)
    case dismissStatus
    case escape
    case quit
    case lookingForModel
    /// After each frame: ask the engine for the filter images the view shows and lacks, cancel what it no longer shows.
    case syncFilters
    /// After each frame: ask the engine for what the channel dossier and the contribution order show and lack.
    case syncDossier
    /// Index a folder of photos for the dossier (a drop of a folder, a button, the folder chooser); stop it.
    case indexFolder(String)
    case cancelIndex
    case chooseIndexFolder
    /// Open the photo of a dossier crop, keeping the dossier on its channel.
    case openCrop(String)
    // Reports from background work.
    case engine(EngineWorker.Event)
    case download(WeightsDownload.Event)
    case exporter(Exporter.Event)
}

/// What the reducer asks of the world outside the state: the engine, the exporter, the download, the log.
enum Effect {
    case loadModel(String)
    case analyse(path: String, crop: Bool, generation: Int, cam: CAMRequest)
    case cam(CAMRequest, imageGeneration: Int)
    case compare(CAMRequest, CompareAxis, imageGeneration: Int)
    case cancelCompare
    case contributions(ContributionKey, Analysis)
    case channelAttribution(ChannelAttributionKey, Analysis)
    /// nil: the newest index saved for the model.
    case loadIndex(String?, crop: Bool)
    case indexFolder(String, crop: Bool, run: Int)
    case cancelIndex
    case topCrops(TopCropsKey)
    case chooseFolder
    case filters(FilterKey, [Int])
    case cancelFilters
    case preprocessing(Preprocessing)
    case export([Exporter.Job], stem: String?)
    case revealExports(stem: String?)
    case startDownload(fullOnly: Bool)
    case cancelDownload
    case openChooser
    case log(String)
    case saveSettings
}
