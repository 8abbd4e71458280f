/// A grayscale image, one byte a pixel: a quarter of an `RGBAImage`'s memory, for images kept in numbers (the layer
/// grid's tiles of every layer, rendered ahead, 38 MiB as RGBA for VGG16, 10 as this).
public struct GrayImage: Equatable, Sendable {
    public let width: Int
    public let height: Int
    /// `width * height` levels, 0 black to 255 white, row after row.
    public let levels: [UInt8]

    public init(width: Int, height: Int, levels: [UInt8]) {
        precondition(levels.count == width * height, "GrayImage: \(levels.count) levels for \(width)×\(height)")
        self.width = width
        self.height = height
        self.levels = levels
    }

    /// The same image as RGBA (opaque), to draw or save.
    public var rgba: RGBAImage {
        var out = [UInt8](repeating: 255, count: levels.count * 4)
        levels.withUnsafeBufferPointer { g in
            out.withUnsafeMutableBufferPointer { dst in
                for i in 0..<g.count {
                    dst[i * 4] = g[i]
                    dst[i * 4 + 1] = g[i]
                    dst[i * 4 + 2] = g[i]
                }
            }
        }
        return RGBAImage(width: width, height: height, pixels: out)
    }
}
