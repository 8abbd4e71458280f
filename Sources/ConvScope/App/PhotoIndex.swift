import ConvEngine
import Foundation
import Raster

/// The channel index the window uses: the folder of photos it was made from, for the model loaded now.
struct PhotoIndexView {
    /// The model (`WeightsInfo.key`) and canonical folder it belongs to.
    let modelKey: String
    let folder: String
    let index: ChannelIndex
}

/// An indexing run the window started, as far as it has got.
struct IndexRun {
    /// Numbers the runs, so a stopped run's last report is not taken for the next run's.
    let id: Int
    let folder: String
    var progress: IndexProgress?
}

/// Which crops: the model and index (folder), the layer whose list is read (a pool reads its convolution's), the
/// channel.
struct TopCropsKey: Hashable {
    let modelKey: String
    let folder: String
    let layer: String
    let channel: Int
}

/// One of a channel's strongest places in the user's photos, cut out at its receptive field.
struct TopCrop {
    let entry: IndexEntry
    /// The receptive field's piece of the photo, square, at most 160 px.
    let image: RGBAImage
}

extension AppState {
    /// The index for the model loaded now, when one is loaded.
    var currentIndex: PhotoIndexView? {
        guard let i = photoIndex, i.modelKey == weights?.key else { return nil }
        return i
    }

    /// The indexed layer whose lists answer for the current layer: itself, or for a pool the convolution it sits on
    /// (a 2×2 max pool's channel peaks where its convolution's does); nil when that layer is not in the index.
    var indexLayerForDossier: LayerInfo? {
        guard let index = currentIndex?.index else { return nil }
        let names = Set(index.layerNames)
        if names.contains(layer.name) { return layer }
        guard !layer.isConv, let conv = dossierFilterLayer, names.contains(conv.name) else { return nil }
        return conv
    }

    var wantedCrops: TopCropsKey? {
        guard let i = currentIndex, let c = enlargedChannel, !showFilters, let l = indexLayerForDossier,
            c < l.channels
        else { return nil }
        return TopCropsKey(modelKey: i.modelKey, folder: i.folder, layer: l.name, channel: c)
    }

    var currentCrops: [TopCrop]? {
        guard let t = topCrops, t.key == wantedCrops else { return nil }
        return t.crops
    }

    /// After each frame: the index of the remembered folder is loaded once per model; the dossier's crops are asked
    /// for once per channel.
    mutating func syncIndex() -> [Effect] {
        var effects: [Effect] = []
        // The remembered folder's index, or before any folder was chosen the newest saved for this model (one made
        // by `convscope index`, say); first asked for when a dossier opens (it hashes the weights file once).
        if let w = weights, indexRun == nil, enlargedChannel != nil, !showFilters,
            indexLoadRequested != w.key + "|" + (indexFolder ?? "*"),
            currentIndex == nil || currentIndex?.folder != indexFolder
        {
            indexLoadRequested = w.key + "|" + (indexFolder ?? "*")
            effects.append(.loadIndex(indexFolder, crop: crop))
        }
        if let key = wantedCrops, topCrops?.key != key, cropsRequested != key {
            cropsRequested = key
            effects.append(.topCrops(key))
        }
        return effects
    }
}

extension AppState {
    /// Starts indexing `folder` for the model loaded now (the one run at a time is replaced).
    mutating func startIndexing(_ folder: String, now: Date) -> [Effect] {
        guard weights != nil else {
            status.post("Load a model before indexing a folder of photos.", error: true, at: now)
            return []
        }
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
            status.post("\((folder as NSString).lastPathComponent) is not a folder.", error: true, at: now)
            return []
        }
        let path = Self.absolute(folder)
        indexFolder = path
        indexRuns += 1
        indexRun = IndexRun(id: indexRuns, folder: path)
        indexNote = nil
        status.post(
            "Indexing \((folder as NSString).lastPathComponent) for the channel dossier…", error: false, at: now)
        return [.indexFolder(path, crop: crop, run: indexRuns), .saveSettings, .log("index: \(path)")]
    }

    /// What the engine reports about indexes and crops.
    mutating func reduce(index e: EngineWorker.Event, now: Date) -> [Effect] {
        switch e {
        case .indexLoaded(let key, let folder, let index, let stale):
            guard key == weights?.key, indexFolder == nil || indexFolder == folder || folder.isEmpty else { return [] }
            guard !folder.isEmpty else { return [] }  // no folder remembered and none saved for this model
            if indexFolder == nil {
                indexFolder = folder
                indexLoadRequested = key + "|" + folder
            }
            photoIndex = index.map { PhotoIndexView(modelKey: key, folder: folder, index: $0) }
            indexNote = stale.map {
                "The index of \((folder as NSString).lastPathComponent) does not fit: \($0). "
                    + "Update it to use it."
            }
            topCrops = nil
            cropsRequested = nil
            return [
                .log("index loaded: \(folder) (\(index.map { "\($0.indexedCount) photos" } ?? stale ?? "none yet"))")
            ]
        case .indexLoadFailed(let key, let message):
            guard key == weights?.key else { return [] }
            indexNote = "The saved index cannot be used: \(message). Update it to make it again."
            return [.log("error: index: \(message)")]
        case .indexProgress(let run, let p):
            guard indexRun?.id == run else { return [] }
            indexRun?.progress = p
            return []
        case .indexFinished(let run, let key, let folder, let index, let summary):
            guard indexRun?.id == run else { return [.log("indexed (replaced): \(summary)")] }
            indexRun = nil
            guard key == weights?.key else { return [] }
            photoIndex = PhotoIndexView(modelKey: key, folder: folder, index: index)
            indexLoadRequested = key + "|" + (indexFolder ?? folder)
            topCrops = nil
            cropsRequested = nil
            status.post(summary + ".", error: false, at: now)
            return [.log("indexed: \(summary)")]
        case .indexFailed(let run, let message):
            guard indexRun?.id == run else { return [] }
            indexRun = nil
            status.post("Indexing the photos: \(message)", error: true, at: now)
            return [.log("error: index: \(message)")]
        case .indexNotice(let message):
            status.post(message, error: false, at: now)
            return [.log("index: \(message)")]
        case .topCrops(let key, let crops):
            guard key == wantedCrops else { return [] }
            topCrops = (key, crops)
            return [.log("crops: \(key.layer) channel \(key.channel): \(crops.count)")]
        case .cropsFailed(let key, let message):
            cropsFailure = (key, message)
            return [.log("error: crops: \(message)")]
        default: return []
        }
    }
}
