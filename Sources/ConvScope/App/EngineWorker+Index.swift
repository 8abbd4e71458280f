import ConvEngine
import Foundation
import Platform
import Raster

extension EngineWorker {
    /// The model loaded now, its file and its key, read on the engine's queue and handed to `body` there.
    private func withModel(_ body: @escaping (Model, String, String) -> Void) {
        idle.async { [self] in
            guard let model = runner?.model, let path = modelPath else { return }
            body(model, path, WeightsInfo(model, path: path).key)
        }
    }

    /// Loads the saved index of `folder` for the model loaded now (none yet is not an error), or with no folder the
    /// newest one saved for the model; an index made with other settings (preprocessing, crop) is reported as
    /// stale, not used.
    func loadIndex(folder given: String?, crop: Bool) {
        withModel { [self] model, path, key in
            indexQueue.async { [self] in
                do {
                    let sha = try ModelDigest.sha256(ofFile: path)
                    guard let folder = given ?? IndexLocation.saved(modelSHA256: sha).first?.folder else {
                        return events.post(.indexLoaded(modelKey: key, folder: "", nil, stale: nil))
                    }
                    let canonical = IndexLocation.canonicalFolder(folder)
                    guard let index = try ChannelIndex.load(for: sha, folder: folder) else {
                        return events.post(.indexLoaded(modelKey: key, folder: canonical, nil, stale: nil))
                    }
                    let wanted = IndexSettings(
                        model: model, modelSHA256: sha, folder: canonical, crop: crop, top: 1, layers: [])
                    let stale = index.settings.mismatch(answering: wanted)
                    events.post(
                        .indexLoaded(modelKey: key, folder: canonical, stale == nil ? index : nil, stale: stale))
                } catch {
                    events.post(.indexLoadFailed(modelKey: key, "\(error)"))
                }
            }
        }
    }

    /// Indexes `folder` for the model loaded now beside the engine (its own queue), reporting progress as run `run`;
    /// a newer request or `cancelIndex` stops it after saving what it did.
    func indexFolder(_ folder: String, crop: Bool, run: Int) {
        let ticket = dossierTickets.next(.index)
        withModel { [self] model, path, key in
            indexQueue.async { [self] in
                do {
                    let sha = try ModelDigest.sha256(ofFile: path)
                    let indexer = ChannelIndexer(model: model, modelSHA256: sha, folder: folder, crop: crop)
                    indexer.batch = 4  // beside the window's own buffers: 8 a batch would hold 250 MB more
                    var skipped = 0
                    indexer.onSkip = { _, _ in skipped += 1 }
                    indexer.onNotice = { self.events.post(.indexNotice($0)) }
                    let summary = try indexer.run { p in
                        self.events.post(.indexProgress(run: run, p))
                        return self.dossierTickets.isNewest(ticket, .index)
                    }
                    var text =
                        "\(summary.indexed + summary.reused) photos of \((folder as NSString).lastPathComponent)"
                        + String(format: " indexed (%.0f a second)", summary.imagesPerSecond)
                    if skipped > 0 { text += "; \(skipped) files skipped (not images, broken or too large)" }
                    if summary.stopped { text = "Indexing stopped: " + text + " so far" }
                    events.post(
                        .indexFinished(
                            run: run, modelKey: key, folder: summary.index.settings.folder, summary.index,
                            summary: text))
                } catch {
                    events.post(.indexFailed(run: run, "\(error)"))
                }
                // The indexer's runner and buffers are gone: the heap is trimmed once the engine is idle too.
                idle.jobEnded()
                idle.async {}
            }
        }
    }

    func cancelIndex() { _ = dossierTickets.next(.index) }

    /// Cuts the channel's strongest places out of their photos (decoded in a child process, kept a while).
    func topCrops(_ key: TopCropsKey, from index: ChannelIndex) {
        let ticket = dossierTickets.next(.crops)
        cropQueue.async { [self] in
            guard dossierTickets.isNewest(ticket, .crops) else { return }
            do {
                var crops: [TopCrop] = []
                for e in try index.top(layer: key.layer, channel: key.channel) {
                    guard dossierTickets.isNewest(ticket, .crops) else { return }
                    // A photo moved or broken since it was indexed is left out.
                    guard let (photo, scale) = try? photoCache.photo(e.path) else { continue }
                    crops.append(TopCrop(entry: e, image: Self.cut(e.box, scale: scale, from: photo)))
                }
                events.post(.topCrops(key, crops))
            } catch {
                events.post(.cropsFailed(key, "\(error)"))
            }
        }
    }

    /// The box (in the photo's own pixels) cut from the photo as kept (scaled by `scale`), in a square at most
    /// 160 px, centred on gray where the box is not square.
    static func cut(_ box: PixelBox, scale: Double, from photo: RGBAImage) -> RGBAImage {
        let x = min(max(0, Int(Double(box.x) * scale)), photo.width - 1)
        let y = min(max(0, Int(Double(box.y) * scale)), photo.height - 1)
        let w = max(1, min(photo.width - x, Int((Double(box.width) * scale).rounded())))
        let h = max(1, min(photo.height - y, Int((Double(box.height) * scale).rounded())))
        let piece = photo.cropped(x: x, y: y, width: w, height: h)
        let side = min(160, max(w, h))
        let f = Double(side) / Double(max(w, h))
        let fitted = piece.resized(width: max(1, Int(Double(w) * f)), height: max(1, Int(Double(h) * f)))
        guard fitted.width != fitted.height else { return fitted }
        var square = RGBAImage(width: side, height: side, fill: (r: 40, g: 42, b: 46, a: 255))
        square.paste(fitted, x: (side - fitted.width) / 2, y: (side - fitted.height) / 2)
        return square
    }
}
