import ConvEngine
import Raster

/// Renders channel maps of one layer: each channel scaled to its own min–max, tiled in an 8×8 grid.
enum LayerGrid {
    /// Tiles are enlarged by a whole factor (nearest neighbour, so each activation stays a visible square) to ≥ 56 px.
    static func render(_ map: FeatureMap, firstChannel: Int = 0, count: Int = 64, columns: Int = 8, gap: Int = 2) -> RGBAImage {
        let factor = max(1, 56 / map.height)
        let last = min(map.channels, firstChannel + count)
        let tiles = (firstChannel..<last).map { c in
            channelImage(map, c).scaledNearest(by: factor)
        }
        return Tiling.grid(tiles, columns: columns, gap: gap, background: (r: 24, g: 24, b: 28, a: 255))
    }

    /// The given channels in this order, each on its own scale or on `range` (the layer's shared scale).
    static func render(_ map: FeatureMap, channels: [Int], range: (min: Float, max: Float)?, columns: Int = 8, gap: Int = 2) -> RGBAImage {
        let factor = max(1, 56 / map.height)
        let tiles = channels.map { c in (range.map { channelImage(map, c, range: $0) } ?? channelImage(map, c)).scaledNearest(by: factor) }
        return Tiling.grid(tiles, columns: columns, gap: gap, background: (r: 24, g: 24, b: 28, a: 255))
    }

    static func channelImage(_ map: FeatureMap, _ c: Int) -> RGBAImage {
        ChannelRender.grayscale(FloatMap(width: map.width, height: map.height, values: map.channel(c)))
    }

    /// Channel `c` on a given scale: `range.min` black, `range.max` white (the layer's shared scale).
    static func channelImage(_ map: FeatureMap, _ c: Int, range: (min: Float, max: Float)) -> RGBAImage {
        let plane = map.channel(c), span = range.max - range.min
        var px = [UInt8](repeating: 255, count: plane.count * 4)
        for (i, v) in plane.enumerated() {
            let g = UInt8(span > 0 ? min(max((v - range.min) / span, 0), 1) * 255 : 0)
            px[i * 4] = g; px[i * 4 + 1] = g; px[i * 4 + 2] = g
        }
        return RGBAImage(width: map.width, height: map.height, pixels: px)
    }
}

extension RGBAImage {
    /// Each pixel becomes a factor × factor square.
    func scaledNearest(by factor: Int) -> RGBAImage {
        guard factor > 1 else { return self }
        let w = width * factor, h = height * factor
        var out = [UInt8](repeating: 0, count: w * h * 4)
        for y in 0..<h {
            for x in 0..<w {
                let s = ((y / factor) * width + x / factor) * 4, d = (y * w + x) * 4
                out[d] = pixels[s]; out[d + 1] = pixels[s + 1]; out[d + 2] = pixels[s + 2]; out[d + 3] = pixels[s + 3]
            }
        }
        return RGBAImage(width: w, height: h, pixels: out)
    }
}
