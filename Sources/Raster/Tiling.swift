/// Lays out images in a grid.
public enum Tiling {
    /// `tiles` (all the same size) row-major in `columns` columns with `gap` pixels
    /// between cells; the gaps and any cells left over in the last row are `background`.
    public static func grid(_ tiles: [RGBAImage], columns: Int, gap: Int,
                            background: RGBAImage.Pixel) -> RGBAImage {
        precondition(columns > 0 && gap >= 0, "grid: \(columns) columns, gap \(gap)")
        guard let first = tiles.first else { return RGBAImage(width: 0, height: 0, pixels: []) }
        let tw = first.width, th = first.height
        precondition(tiles.allSatisfy { $0.width == tw && $0.height == th }, "grid: tiles differ in size")
        let rows = (tiles.count + columns - 1) / columns
        let width = columns * tw + (columns - 1) * gap
        let height = rows * th + (rows - 1) * gap
        var out = RGBAImage(width: width, height: height, fill: background)
        out.pixels.withUnsafeMutableBufferPointer { dst in
            for (n, tile) in tiles.enumerated() {
                let left = (n % columns) * (tw + gap), top = (n / columns) * (th + gap)
                tile.pixels.withUnsafeBufferPointer { src in
                    for y in 0..<th {
                        let from = y * tw * 4, to = ((top + y) * width + left) * 4
                        for i in 0..<(tw * 4) { dst[to + i] = src[from + i] }
                    }
                }
            }
        }
        return out
    }
}
