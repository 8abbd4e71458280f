import ConvEngine
import Foundation
import Raster

extension EngineWorker {
    /// Every channel's contribution to the class at one layer of `analysis` (the one the window shows: the engine's
    /// own newest analysis may already be another image's). On the dossier's queue, beside any long run.
    func contributions(_ key: ContributionKey, of analysis: Analysis) {
        let ticket = dossierTickets.next(.contributions)
        dossierQueue.async { [self] in
            defer { idle.trimIfOverBudget() }  // it shares the engine's heap
            guard dossierTickets.isNewest(ticket, .contributions) else { return }
            do {
                let runner = try runner(for: analysis)
                guard let c = analysis.classification else { throw EngineError.noClassifier(model: analysis.modelKey) }
                let value = try runner.channelContributions(
                    analysis.activations, classification: c, layer: key.layer, classIndex: key.classIndex,
                    score: key.score)
                events.post(.contributions(key, value))
            } catch {
                events.post(.contributionsFailed(key, "\(error)"))
            }
        }
    }

    /// Guided backprop from one channel of `analysis` to its pixels, rendered. On the dossier's queue.
    func channelAttribution(_ key: ChannelAttributionKey, of analysis: Analysis) {
        let ticket = dossierTickets.next(.channelAttribution)
        dossierQueue.async { [self] in
            defer { idle.trimIfOverBudget() }  // it shares the engine's heap
            guard dossierTickets.isNewest(ticket, .channelAttribution) else { return }
            let start = Date()
            do {
                let runner = try runner(for: analysis)
                let a = analysis.activations
                let values = try runner.channelGuidedBackprop(a, layer: key.layer, channel: key.channel)
                // The picture is of the gradient with respect to the RGB pixels (Caffe models take BGR).
                let rgb = runner.model.preprocessing.pixelGradient(values)
                let image = RGBAImage.gradientPicture(rgb, width: a.input.width, height: a.input.height)
                events.post(
                    .channelAttribution(
                        ChannelAttributionView(
                            key: key, image: image, largest: values.map(abs).max() ?? 0,
                            seconds: Date().timeIntervalSince(start))))
            } catch {
                events.post(.channelAttributionFailed(key, "\(error)"))
            }
        }
    }

    /// The dossier's runner, when the model loaded now is the one that made `analysis` (made for it on first use,
    /// sharing its weights and Winograd kernels); on the dossier's queue.
    private func runner(for analysis: Analysis) throws -> Runner {
        guard let now = loaded.current, WeightsInfo(now.model, path: now.path).key == analysis.modelKey else {
            throw DossierError.modelChanged
        }
        if let held = dossierRunner, held.generation == now.generation { return held.runner }
        dossierRunner = nil  // the old model's runner goes first
        let made = Runner(model: now.model)
        dossierRunner = (made, now.generation)
        return made
    }
}

/// Why a dossier panel could not be computed.
enum DossierError: Error, CustomStringConvertible {
    case modelChanged

    var description: String { "another model was loaded meanwhile; open the channel again" }
}
