/// One layer's output for one image: H×W×C floats, row-major with the channel fastest (Keras's NHWC without N).
public struct FeatureMap: Sendable, Equatable {
    public let height: Int, width: Int, channels: Int
    public var data: [Float]

    public init(height: Int, width: Int, channels: Int, data: [Float]) {
        precondition(data.count == height * width * channels, "FeatureMap data does not match its shape")
        self.height = height
        self.width = width
        self.channels = channels
        self.data = data
    }

    public init(height: Int, width: Int, channels: Int) {
        self.init(
            height: height, width: width, channels: channels,
            data: [Float](repeating: 0, count: height * width * channels))
    }

    public var shape: [Int] { [height, width, channels] }

    /// Channel `c` as an H×W plane.
    public func channel(_ c: Int) -> [Float] {
        precondition(c >= 0 && c < channels)
        var plane = [Float](repeating: 0, count: height * width)
        data.withUnsafeBufferPointer { src in
            for i in 0..<(height * width) { plane[i] = src[i * channels + c] }
        }
        return plane
    }

    public var maxMagnitude: Float { data.reduce(0) { max($0, abs($1)) } }

    /// The smallest and largest value over every channel ((0, 0) when empty).
    public var valueRange: (min: Float, max: Float) {
        guard !data.isEmpty else { return (0, 0) }
        var lo = Float.infinity
        var hi = -Float.infinity
        data.withUnsafeBufferPointer { p in
            for v in p {
                lo = Swift.min(lo, v)
                hi = Swift.max(hi, v)
            }
        }
        return (lo, hi)
    }

    /// Each channel's mean, minimum and maximum over the map.
    public func channelStatistics() -> (mean: [Float], min: [Float], max: [Float]) {
        let c = channels
        let n = height * width
        var sum = [Float](repeating: 0, count: c)
        var hi = [Float](repeating: -.infinity, count: c)
        var lo = [Float](repeating: .infinity, count: c)
        data.withUnsafeBufferPointer { p in
            for i in 0..<n {
                for k in 0..<c {
                    let v = p[i * c + k]
                    sum[k] += v
                    hi[k] = Swift.max(hi[k], v)
                    lo[k] = Swift.min(lo[k], v)
                }
            }
        }
        return (sum.map { $0 / Float(Swift.max(n, 1)) }, lo, hi)
    }
}
