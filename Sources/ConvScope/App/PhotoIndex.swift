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
    let folder: String
    var progress: IndexProgress?
}

/// Which crops: the index (folder), the layer whose list is read (a pool reads its convolution's), the channel.
struct TopCropsKey: Hashable {
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

    /// The indexed layer whose lists answer for the current layer: itself, or for a pool the convolution below it
    /// (a 2×2 max pool's channel peaks where its convolution's does).
    var indexLayerForDossier: LayerInfo? {
        guard let index = currentIndex?.index else { return nil }
        let names = Set(index.layerNames)
        return hiddenLayers.prefix(layerIndex + 1).reversed().first { names.contains($0.name) && ($0.isConv || $0 == layer) }
    }

    var wantedCrops: TopCropsKey? {
        guard let i = currentIndex, let c = enlargedChannel, !showFilters, let l = indexLayerForDossier,
            c < l.channels
        else { return nil }
        return TopCropsKey(folder: i.folder, layer: l.name, channel: c)
    }

    var currentCrops: [TopCrop]? {
        guard let t = topCrops, t.key == wantedCrops else { return nil }
        return t.crops
    }

    /// After each frame: the index of the remembered folder is loaded once per model; the dossier's crops are asked
    /// for once per channel.
    mutating func syncIndex() -> [Effect] {
        var effects: [Effect] = []
        if let w = weights, let folder = indexFolder, indexRun == nil,
            indexLoadRequested != w.key + "|" + folder, currentIndex?.folder != folder
        {
            indexLoadRequested = w.key + "|" + folder
            effects.append(.loadIndex(folder))
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
        indexFolder = Self.absolute(folder)
        indexRun = IndexRun(folder: indexFolder!)
        status.post("Indexing \((folder as NSString).lastPathComponent) for the channel dossier…", error: false, at: now)
        return [.indexFolder(indexFolder!, crop: crop), .saveSettings, .log("index: \(indexFolder!)")]
    }

    /// What the engine reports about indexes and crops.
    mutating func reduce(index e: EngineWorker.Event, now: Date) -> [Effect] {
        switch e {
        case .indexLoaded(let key, let folder, let index):
            guard key == weights?.key else { return [] }
            photoIndex = index.map { PhotoIndexView(modelKey: key, folder: folder, index: $0) }
            topCrops = nil
            cropsRequested = nil
            return [.log("index loaded: \(folder) (\(index.map { "\($0.indexedCount) photos" } ?? "none yet"))")]
        case .indexProgress(let p):
            guard indexRun != nil else { return [] }
            indexRun?.progress = p
            return []
        case .indexFinished(let key, let folder, let index, let summary):
            indexRun = nil
            guard key == weights?.key else { return [] }
            photoIndex = PhotoIndexView(modelKey: key, folder: folder, index: index)
            indexLoadRequested = key + "|" + (indexFolder ?? folder)
            topCrops = nil
            cropsRequested = nil
            status.post(summary + ".", error: false, at: now)
            return [.log("indexed: \(summary)")]
        case .indexFailed(let message):
            indexRun = nil
            status.post("Photo index: \(message)", error: true, at: now)
            return [.log("error: index: \(message)")]
        case .topCrops(let key, let crops):
            if cropsRequested == key { cropsRequested = nil }
            topCrops = (key, crops)
            return [.log("crops: \(key.layer) channel \(key.channel): \(crops.count)")]
        default: return []
        }
    }
}
