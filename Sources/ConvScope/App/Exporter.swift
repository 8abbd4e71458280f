import ConvEngine
import Foundation
import Platform
import Raster

/// Writes panels as PNG files rendered from the data at full resolution, on a background queue, into the export
/// folder; names carry image, panel and time, and an existing file is never replaced.
final class Exporter {
    enum Event { case progress(done: Int, total: Int), written([String]), failed(String) }
    struct Job { let what: String; let render: () -> RGBAImage }

    let events = Mailbox<Event>()
    let folder: String
    private let queue = DispatchQueue(label: "convscope.export", qos: .utility)

    init(folder: String) { self.folder = folder }

    static var defaultFolder: String {
        (NSHomeDirectory() as NSString).appendingPathComponent("Pictures/ConvScope")
    }

    /// Renders and writes each job in order; reports progress, then the paths written or the first failure.
    func export(_ jobs: [Job], stem: String) {
        let stamp = Exporter.timestamp()
        queue.async { [self] in
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            } catch {
                events.post(.failed("cannot create the export folder \(folder): \((error as NSError).localizedDescription)"))
                return
            }
            var written: [String] = []
            for (i, job) in jobs.enumerated() {
                do {
                    written.append(try write(job.render(), name: "\(stem)_\(job.what)_\(stamp)"))
                } catch {
                    events.post(.failed("\(error)" + (written.isEmpty ? "" : " (\(written.count) file(s) were written before)")))
                    return
                }
                events.post(.progress(done: i + 1, total: jobs.count))
            }
            events.post(.written(written))
        }
    }

    /// `name.png`, or `name-2.png`, `name-3.png`… when taken.
    private func write(_ image: RGBAImage, name: String) throws -> String {
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
}

/// The export jobs for each panel, rendered from data (never a screenshot).
enum PanelExports {
    static func input(_ a: Analysis) -> Exporter.Job { .init(what: "input") { a.image.original } }

    static func grid(_ a: Analysis, layer: Int, page: Int) -> Exporter.Job {
        let map = a.activations.layer(layer), info = a.activations.hidden[layer]
        let first = page * 64, last = min(map.channels, first + 64) - 1
        return .init(what: "\(info.name)_channels\(first)-\(last)") { LayerGrid.render(map, firstChannel: first) }
    }

    static func channel(_ a: Analysis, layer: Int, channel: Int) -> Exporter.Job {
        let map = a.activations.layer(layer), info = a.activations.hidden[layer]
        return .init(what: "\(info.name)_channel\(channel)") {
            LayerGrid.channelImage(map, channel).scaledNearest(by: max(1, 448 / map.height))
        }
    }

    static func filter(_ image: FilterImage, key: FilterKey) -> Exporter.Job {
        .init(what: "\(key.layer)_filter\(image.filter)_\(key.settings.size)px_\(key.settings.steps)steps") {
            FilterGrid.tile(image).scaledNearest(by: max(1, 448 / image.side))
        }
    }

    static func camOverlay(_ a: Analysis, _ c: CAMView, opacity: Float) -> Exporter.Job {
        .init(what: "gradcam_\(c.result.layer.name)_class\(c.result.classIndex)") {
            Overlay.heatmap(FloatMap(width: c.result.layer.width, height: c.result.layer.height, values: c.result.map),
                            over: a.image.shown, opacity: opacity)
        }
    }

    static func heatmap(_ c: CAMView) -> Exporter.Job {
        .init(what: "heatmap_\(c.result.layer.name)_class\(c.result.classIndex)") {
            Overlay.heatmapImage(FloatMap(width: c.result.layer.width, height: c.result.layer.height, values: c.result.map))
                .scaledNearest(by: max(1, 224 / c.result.layer.height))
        }
    }
}
