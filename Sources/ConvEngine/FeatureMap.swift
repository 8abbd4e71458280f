/// One layer's output for one image: H×W×C floats, row-major with the channel fastest (Keras's NHWC without N).
public struct FeatureMap: Sendable, Equatable {
    public let height: Int, width: Int, channels: Int
    public var data: [Float]

    public init(height: Int, width: Int, channels: Int, data: [Float]) {
        precondition(data.count == height * width * channels, "FeatureMap data does not match its shape")
        self.height = height; self.width = width; self.channels = channels; self.data = data
    }

    public init(height: Int, width: Int, channels: Int) {
        self.init(height: height, width: width, channels: channels, data: [Float](repeating: 0, count: height * width * channels))
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
}
