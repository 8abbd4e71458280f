import ConvEngine
import Raster

/// Renders filter images in an 8×8 grid, each tile at its own size (no scaling: the images are already large).
enum FilterGrid {
    static let background: RGBAImage.Pixel = (r: 24, g: 24, b: 28, a: 255)

    static func render(_ images: [FilterImage], columns: Int = 8, gap: Int = 2) -> RGBAImage {
        Tiling.grid(images.map(tile), columns: min(columns, max(1, images.count)), gap: gap, background: background)
    }

    static func tile(_ image: FilterImage) -> RGBAImage {
        RGBAImage(rgb: image.rgb, width: image.side, height: image.side)
    }
}
