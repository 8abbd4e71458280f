import ConvEngine
import Foundation
import Platform
import Raster

/// Writes panels as PNG files rendered from the data at full resolution, on a background queue, into a folder per
/// image under the export folder (`<folder>/<image stem>/`); names carry image, panel and time, and an existing file
/// is never replaced. Each PNG is encoded in memory and written with every write checked (`PNGFile`), so a full disk
/// is a clear failure that leaves nothing behind, never a truncated file.
final class Exporter {
    enum Event {
        case progress(done: Int, total: Int)
        case written([String])
        case failed(String)
    }
    struct Job {
        let what: String
        /// A line drawn in a strip under the image (grids: the layer and channel indices), or nil.
        var caption: String?
        let render: () -> RGBAImage

        init(what: String, caption: String? = nil, render: @escaping () -> RGBAImage) {
            self.what = what
            self.caption = caption
            self.render = render
        }
    }

    let events = Mailbox<Event>()
    /// The export folder; each image's files go into a folder of its own inside it (`folder(forStem:)`).
    let folder: String
    private let queue = DispatchQueue(label: "convscope.export", qos: .utility)

    init(folder: String) { self.folder = folder }

    /// `<XDG Pictures>/ConvScope`, with `$HOME` respected (see `ExportFolder`); `--export-dir` overrides it.
    static var defaultFolder: String { ExportFolder.defaultFolder() }

    /// Where exports under `stem` (an image's name without extension, or "filters") go: `<folder>/<stem>`.
    func folder(forStem stem: String) -> String {
        (folder as NSString).appendingPathComponent(ExportFolder.safeName(stem))
    }

    /// Shows `folder(forStem:)` (or the export folder) in the file manager, creating it; throws a message-ready error.
    func reveal(stem: String? = nil) throws {
        try ExportFolder.reveal(stem.map(folder(forStem:)) ?? folder)
    }

    /// Renders and writes each job in order; reports progress, then the paths written or the first failure.
    /// Call on the main thread: captions are drawn with the window's text engine (SDL_ttf) before the work moves
    /// to the background.
    func export(_ jobs: [Job], stem: String) {
        let stamp = Exporter.timestamp()
        let target = folder(forStem: stem)
        let labels = Exporter.captionLabels(jobs)
        queue.async { [self] in
            do {
                try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
            } catch {
                events.post(
                    .failed("cannot create the export folder \(target): \((error as NSError).localizedDescription)"))
                return
            }
            var written: [String] = []
            for (i, job) in jobs.enumerated() {
                do {
                    var image = job.render()
                    if let label = labels[i] { image = CaptionStrip.attach(label, below: image) }
                    written.append(try Exporter.write(image, in: target, name: "\(stem)_\(job.what)_\(stamp)"))
                } catch {
                    events.post(
                        .failed("\(error)" + (written.isEmpty ? "" : " (\(written.count) file(s) were written before)"))
                    )
                    return
                }
                events.post(.progress(done: i + 1, total: jobs.count))
            }
            events.post(.written(written))
        }
    }

    /// Each job's caption drawn as a label (nil without a caption, or if the fonts cannot be opened: the image is
    /// then exported without one).
    private static func captionLabels(_ jobs: [Job]) -> [RGBAImage?] {
        let captions = jobs.compactMap(\.caption)
        guard !captions.isEmpty, let rendered = try? CaptionStrip.labels(captions) else { return jobs.map { _ in nil } }
        var next = rendered.makeIterator()
        return jobs.map { $0.caption == nil ? nil : next.next() }
    }

    /// `name.png`, or `name-2.png`, `name-3.png`… when taken; never replaces a file.
    static func write(_ image: RGBAImage, in folder: String, name: String) throws -> String {
        for n in 1...999 {
            let path = (folder as NSString).appendingPathComponent(n == 1 ? "\(name).png" : "\(name)-\(n).png")
            do {
                try PNGFile.write(image, to: path, replace: false)
                return path
            } catch ImageError.exists {
                continue
            }
        }
        throw ImageError.exists(path: (folder as NSString).appendingPathComponent("\(name).png"))
    }

    static func timestamp() -> String {
        let f = DateFormatter()
        f.dateFormat = "yyyyMMdd-HHmmss"
        f.locale = Locale(identifier: "en_US_POSIX")
        return f.string(from: Date())
    }

    /// The caption of a grid of `first…last` of `total` channels of `layer`: "block3_conv2 · channels 0–63 of 256".
    static func gridCaption(layer: String, first: Int, last: Int, total: Int, noun: String = "channels") -> String {
        first == last
            ? "\(layer) · \(noun.dropLast()) \(first) of \(total)" : "\(layer) · \(noun) \(first)–\(last) of \(total)"
    }
}

/// The export jobs for each panel, rendered from data (never a screenshot).
enum PanelExports {
    static func input(_ a: Analysis) -> Exporter.Job { .init(what: "input") { a.image.original } }

    static func grid(_ a: Analysis, layer: Int, page: Int) -> Exporter.Job {
        let map = a.activations.layer(layer)
        let info = a.activations.hidden[layer]
        let first = page * 64
        let last = min(map.channels, first + 64) - 1
        return .init(
            what: "\(info.name)_channels\(first)-\(last)",
            caption: Exporter.gridCaption(layer: info.name, first: first, last: last, total: map.channels)
        ) {
            LayerGrid.render(map, firstChannel: first)
        }
    }

    /// The grid as shown: the page's channels in the grid's order (sorted, dead ones hidden), on the shown scale.
    static func grid(
        _ a: Analysis, layer: Int, channels: [Int], page: Int, of total: Int, range: (min: Float, max: Float)?,
        order: GridOptions.Order
    ) -> Exporter.Job {
        let map = a.activations.layer(layer)
        let info = a.activations.hidden[layer]
        let first = page * 64
        let last = min(total, first + 64) - 1
        let sorted = order == .index ? "" : "_by\(order.rawValue)"
        // A sorted page holds the channels ranked first…last, not the channels numbered so.
        var caption =
            order == .index
            ? Exporter.gridCaption(layer: info.name, first: first, last: last, total: total)
            : "\(info.name) · channels ranked \(first + 1)–\(last + 1) of \(total) by \(order.rawValue)"
        if total < map.channels { caption += " · \(map.channels - total) dead hidden" }
        if range != nil { caption += " · one scale for the layer" }
        return .init(what: "\(info.name)_channels\(first)-\(last)\(sorted)", caption: caption) {
            LayerGrid.render(map, channels: channels, range: range)
        }
    }

    static func channel(_ a: Analysis, layer: Int, channel: Int, range: (min: Float, max: Float)? = nil) -> Exporter.Job
    {
        let map = a.activations.layer(layer)
        let info = a.activations.hidden[layer]
        return .init(what: "\(info.name)_channel\(channel)") {
            (range.map { LayerGrid.channelImage(map, channel, range: $0) } ?? LayerGrid.channelImage(map, channel))
                .scaledNearest(by: max(1, 448 / map.height))
        }
    }

    static func filter(_ image: FilterImage, key: FilterKey) -> Exporter.Job {
        .init(what: "\(key.layer)_filter\(image.filter)_\(key.tag)") {
            FilterGrid.tile(image).scaledNearest(by: max(1, 448 / image.side))
        }
    }

    static func camOverlay(_ a: Analysis, _ c: CAMView, opacity: Float) -> Exporter.Job {
        .init(
            what:
                "\(c.request.method.replacingOccurrences(of: "+", with: "p"))_\(c.result.layer.name)_class\(c.result.classIndex)"
        ) {
            Overlay.heatmap(
                FloatMap(width: c.result.layer.width, height: c.result.layer.height, values: c.result.map),
                over: a.image.shown, opacity: opacity)
        }
    }

    static func heatmap(_ c: CAMView) -> Exporter.Job {
        .init(
            what:
                "heatmap_\(c.request.method.replacingOccurrences(of: "+", with: "p"))_\(c.result.layer.name)_class\(c.result.classIndex)"
        ) {
            Overlay.heatmapImage(
                FloatMap(width: c.result.layer.width, height: c.result.layer.height, values: c.result.map)
            )
            .scaledNearest(by: max(1, 224 / c.result.layer.height))
        }
    }
}
