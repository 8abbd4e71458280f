import ConvEngine
import Raster

/// Renders channel maps of one layer: each channel scaled to its own min–max, tiled in an 8×8 grid.
enum LayerGrid {
    /// Tiles are enlarged by a whole factor (nearest neighbour, so each activation stays a visible square) to ≥ 56 px.
    static func render(
        _ map: FeatureMap, firstChannel: Int = 0, count: Int = 64, columns: Int = 8, gap: Int = 2
    ) -> RGBAImage {
        let factor = max(1, 56 / map.height)
        let last = min(map.channels, firstChannel + count)
        let tiles = (firstChannel..<last).map { c in
            channelImage(map, c).scaledNearest(by: factor)
        }
        return Tiling.grid(tiles, columns: columns, gap: gap, background: (r: 24, g: 24, b: 28, a: 255))
    }

    /// The given channels in this order, each on its own scale or on `range` (the layer's shared scale).
    static func render(
        _ map: FeatureMap, channels: [Int], range: (min: Float, max: Float)?, columns: Int = 8, gap: Int = 2
    ) -> RGBAImage {
        let factor = max(1, 56 / map.height)
        let tiles = channels.map { c in
            (range.map { channelImage(map, c, range: $0) } ?? channelImage(map, c)).scaledNearest(by: factor)
        }
        return Tiling.grid(tiles, columns: columns, gap: gap, background: (r: 24, g: 24, b: 28, a: 255))
    }

    static func channelImage(_ map: FeatureMap, _ c: Int) -> RGBAImage { channelLevels(map, c).rgba }

    /// `channelImage`'s levels, one byte a pixel (kept for every layer: `Analysis.tiles`).
    static func channelLevels(_ map: FeatureMap, _ c: Int) -> GrayImage {
        ChannelRender.grayLevels(FloatMap(width: map.width, height: map.height, values: map.channel(c)))
    }

    /// Channel `c` on a given scale: `range.min` black, `range.max` white (the layer's shared scale).
    static func channelImage(_ map: FeatureMap, _ c: Int, range: (min: Float, max: Float)) -> RGBAImage {
        ChannelRender.grayscale(FloatMap(width: map.width, height: map.height, values: map.channel(c)), range: range)
    }
}
