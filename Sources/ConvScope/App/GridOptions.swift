import ConvEngine

/// How the channel grid orders, filters and scales its tiles (the indices shown stay the channels' own).
struct GridOptions: Equatable, Codable {
    /// `contribution`: by each channel's share of the Grad-CAM pane's class (α_k · mean A_k), largest first.
    enum Order: String, Codable, CaseIterable { case index, mean, max, contribution }
    var order = Order.index
    var hideDead = false
    /// One colour scale for every tile of the layer (compare channels) instead of each tile's own min–max.
    var sharedScale = false

    /// The channels of `map` in display order: sorted by mean, maximum or contribution (largest first; by index
    /// until the contributions arrive), dead ones (constant over the map) left out when asked.
    func channels(of map: FeatureMap, contributions: ChannelContributions? = nil) -> [Int] {
        let c = map.channels
        let (mean, lo, hi) = map.channelStatistics()
        var list = Array(0..<c)
        if hideDead { list = list.filter { hi[$0] > lo[$0] } }
        switch order {
        case .index: break
        case .mean: list.sort { mean[$0] != mean[$1] ? mean[$0] > mean[$1] : $0 < $1 }
        case .max: list.sort { hi[$0] != hi[$1] ? hi[$0] > hi[$1] : $0 < $1 }
        case .contribution:
            guard let k = contributions, k.totals.count == c else { break }
            list.sort { k.rank(of: $0) < k.rank(of: $1) }
        }
        return list
    }
}
