/// Draws single channels of a feature map.
public enum ChannelRender {
    /// Each map scaled to its own min…max, drawn as 0…255 gray, alpha 255.
    /// A constant map (such as a dead all-zero channel) is uniformly black;
    /// NaN and ±Inf are treated as 0.
    public static func grayscale(_ map: FloatMap) -> RGBAImage { grayLevels(map).rgba }

    /// `grayscale`'s levels, one byte a pixel.
    public static func grayLevels(_ map: FloatMap) -> GrayImage {
        let (lo, hi, _) = map.range
        let span = Double(hi) - Double(lo)
        let scale = span > 0 ? 255 / span : 0
        var out = [UInt8](repeating: 0, count: map.width * map.height)
        map.values.withUnsafeBufferPointer { v in
            out.withUnsafeMutableBufferPointer { dst in
                for i in 0..<v.count {
                    let x = v[i].isFinite ? Double(v[i]) : 0
                    dst[i] = UInt8(min(max((x - Double(lo)) * scale, 0), 255) + 0.5)
                }
            }
        }
        return GrayImage(width: map.width, height: map.height, levels: out)
    }

    /// The map on a given scale: `range.min` black, `range.max` white, clamped (a layer's shared scale); a zero span
    /// is black.
    public static func grayscale(_ map: FloatMap, range: (min: Float, max: Float)) -> RGBAImage {
        let span = range.max - range.min
        var out = [UInt8](repeating: 255, count: map.width * map.height * 4)
        map.values.withUnsafeBufferPointer { v in
            out.withUnsafeMutableBufferPointer { dst in
                for i in 0..<v.count {
                    let g = UInt8(span > 0 ? min(max((v[i] - range.min) / span, 0), 1) * 255 : 0)
                    dst[i * 4] = g; dst[i * 4 + 1] = g; dst[i * 4 + 2] = g
                }
            }
        }
        return RGBAImage(width: map.width, height: map.height, pixels: out)
    }

    /// Channel `c` of a height × width × channels (channels-last) tensor.
    public static func extract(channel c: Int, fromHWC data: UnsafeBufferPointer<Float>,
                               height: Int, width: Int, channels: Int) -> FloatMap {
        precondition(data.count == height * width * channels,
                     "extract: \(data.count) values for \(height)×\(width)×\(channels)")
        precondition(c >= 0 && c < channels, "extract: channel \(c) of \(channels)")
        var values = [Float](repeating: 0, count: height * width)
        values.withUnsafeMutableBufferPointer { dst in
            for i in 0..<(height * width) { dst[i] = data[i * channels + c] }
        }
        return FloatMap(width: width, height: height, values: values)
    }

    /// Channel `c` of a height × width × channels (channels-last) tensor.
    public static func extract(channel c: Int, fromHWC data: [Float],
                               height: Int, width: Int, channels: Int) -> FloatMap {
        data.withUnsafeBufferPointer {
            extract(channel: c, fromHWC: $0, height: height, width: width, channels: channels)
        }
    }
}
