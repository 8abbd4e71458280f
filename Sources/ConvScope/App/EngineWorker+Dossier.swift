import ConvEngine
import Foundation
import Raster

/// Numbered requests of a few kinds: only the newest of each kind is worked on (paging through channels quickly
/// leaves the ones passed over undone).
final class Tickets: @unchecked Sendable {
    enum Kind: Int { case contributions, channelAttribution, index, crops }
    private let lock = NSLock()
    private var newest = [0, 0, 0, 0]

    func next(_ kind: Kind) -> Int {
        lock.lock()
        defer { lock.unlock() }
        newest[kind.rawValue] += 1
        return newest[kind.rawValue]
    }

    func isNewest(_ ticket: Int, _ kind: Kind) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return newest[kind.rawValue] == ticket
    }
}

extension EngineWorker {
    /// Every channel's contribution to the class at one layer of the current analysis.
    func contributions(_ key: ContributionKey) {
        let ticket = dossierTickets.next(.contributions)
        queue.async { [self] in
            guard dossierTickets.isNewest(ticket, .contributions), let runner, let a = current,
                a.generation == key.generation, let c = a.classification
            else { return }
            do {
                let value = try runner.channelContributions(
                    a.activations, classification: c, layer: key.layer, classIndex: key.classIndex, score: key.score)
                events.post(.contributions(key, value))
            } catch {
                events.post(.dossierFailed("\(error)"))
            }
        }
    }

    /// Guided backprop from one channel of the current analysis to its pixels, rendered.
    func channelAttribution(_ key: ChannelAttributionKey) {
        let ticket = dossierTickets.next(.channelAttribution)
        queue.async { [self] in
            guard dossierTickets.isNewest(ticket, .channelAttribution), let runner, let a = current,
                a.generation == key.generation
            else { return }
            let start = Date()
            do {
                let values = try runner.channelGuidedBackprop(a.activations, layer: key.layer, channel: key.channel)
                let input = a.activations.input
                // The picture is of the gradient with respect to the RGB pixels (Caffe models take BGR).
                let rgb = runner.model.preprocessing.pixelGradient(values)
                let image = RGBAImage.gradientPicture(rgb, width: input.width, height: input.height)
                events.post(
                    .channelAttribution(
                        ChannelAttributionView(
                            key: key, image: image, largest: values.map(abs).max() ?? 0,
                            seconds: Date().timeIntervalSince(start))))
            } catch {
                events.post(.dossierFailed("\(error)"))
            }
        }
    }
}
