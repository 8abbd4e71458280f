import ConvEngine
import Foundation
import Raster

/// Which contributions: the image, the layer, and the class and score the Grad-CAM pane explains.
struct ContributionKey: Hashable {
    let generation: Int
    let layer: String
    /// nil: the image's top class.
    let classIndex: Int?
    let score: CAMScore
}

/// Which channel's guided backprop: the image, the layer and the channel.
struct ChannelAttributionKey: Hashable {
    let generation: Int
    let layer: String
    let channel: Int
}

/// Guided backprop from one channel to the pixels, as the dossier draws it.
struct ChannelAttributionView {
    let key: ChannelAttributionKey
    /// The attribution at the network's input size, RGB around mid-gray (`ChannelAttributionView.render`).
    let image: RGBAImage
    /// The largest |∂Σ channel/∂input| (0: the channel is dead on this image and nothing flows back).
    let largest: Float
    let seconds: Double
}

extension AppState {
    /// The contributions for the current image, layer, class and score (nil without a classifier or an analysis).
    var contributionKey: ContributionKey? {
        guard let a = currentAnalysis, a.classification != nil, !hiddenLayers.isEmpty else { return nil }
        return ContributionKey(
            generation: a.generation, layer: layer.name, classIndex: camRequest.classIndex, score: camRequest.score)
    }

    /// The contributions the window needs now: for the enlarged channel's dossier, or the grid sorted by them.
    var wantedContributions: ContributionKey? {
        guard (enlargedChannel != nil && !showFilters) || grid.order == .contribution else { return nil }
        return contributionKey
    }

    /// The contributions for the current layer and class, when they have arrived.
    var currentContributions: ChannelContributions? {
        guard let c = contributions, c.key == contributionKey else { return nil }
        return c.value
    }

    /// Why the contributions or the guided backprop of what the dossier shows could not be computed, if so.
    var contributionsFailure: String? {
        guard contributionsRequested == contributionKey, let key = contributionKey else { return nil }
        return dossierFailures[key.layer + "|contributions"]
    }

    var attributionFailure: String? {
        guard let c = enlargedChannel else { return nil }
        return dossierFailures["\(layer.name)|\(c)"]
    }

    /// The guided backprop the dossier shows, when it has arrived for the enlarged channel.
    var currentChannelAttribution: ChannelAttributionView? {
        guard let v = channelAttribution, let a = currentAnalysis, let c = enlargedChannel,
            v.key == ChannelAttributionKey(generation: a.generation, layer: layer.name, channel: c)
        else { return nil }
        return v
    }

    /// After each frame: asks the engine once for what the dossier and the contribution order show and lack.
    mutating func syncDossier() -> [Effect] {
        var effects: [Effect] = []
        guard let a = currentAnalysis else { return [] }
        if let key = wantedContributions, contributions?.key != key, contributionsRequested != key {
            contributionsRequested = key
            effects.append(.contributions(key, a))
        }
        if let c = enlargedChannel, !showFilters {
            let key = ChannelAttributionKey(generation: a.generation, layer: layer.name, channel: c)
            if channelAttribution?.key != key, attributionRequested != key {
                attributionRequested = key
                effects.append(.channelAttribution(key, a))
            }
        }
        return effects
    }

    /// What the engine reports for the dossier.
    mutating func reduce(dossier e: EngineWorker.Event, now: Date) -> [Effect] {
        switch e {
        case .contributions(let key, let value):
            // Only the answer for what the window shows now is kept (an older layer's or class's would be asked for
            // again when the person goes back).
            guard key == contributionKey else { return [] }
            contributions = (key, value)
            if grid.order == .contribution { refreshGridOrder() }
            let top = value.ranking.prefix(8).map(String.init).joined(separator: ",")
            return [.log("contributions: \(key.layer) class \(value.classIndex) top \(top)")]
        case .channelAttribution(let view):
            guard view.key.generation == currentAnalysis?.generation else { return [] }
            channelAttribution = view
            return [
                .log(
                    String(
                        format: "guided backprop: %@ channel %d in %.3f s", view.key.layer, view.key.channel,
                        view.seconds))
            ]
        // What was asked stays marked as asked, so a failure is not asked for again every frame; the panel says why.
        case .contributionsFailed(let key, let message):
            dossierFailures[key.layer + "|contributions"] = message
            return [.log("error: dossier: \(key.layer): \(message)")]
        case .channelAttributionFailed(let key, let message):
            dossierFailures["\(key.layer)|\(key.channel)"] = message
            return [.log("error: dossier: \(key.layer) channel \(key.channel): \(message)")]
        default: return []
        }
    }
}
