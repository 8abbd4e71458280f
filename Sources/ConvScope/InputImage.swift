import ConvEngine
import Platform
import Raster

/// A photo as loaded, and the square view of it the network sees.
struct InputImage {
    let name: String
    let original: RGBAImage      // composited over white
    let shown: RGBAImage         // what the network's view covers: the whole image, or its centre crop
    let network: RGBAImage       // size × size
    let preview: RGBAImage       // `original` at most 1600 px across, for the screen (textures have size limits)
    let gray: RGBAImage          // `shown` in grayscale, at most 1600 px across

    init(path: String, size: Int, crop: Bool) throws {
        name = (path as NSString).lastPathComponent
        original = try ImageFile.load(path: path)
        shown = crop ? original.centerCroppedSquare() : original
        network = shown.resized(width: size, height: size)
        preview = InputImage.fitting(original, 1600)
        gray = InputImage.fitting(shown, 1600).grayscale()
    }

    static func fitting(_ image: RGBAImage, _ side: Int) -> RGBAImage {
        let s = Double(side) / Double(max(image.width, image.height))
        guard s < 1 else { return image }
        return image.resized(width: max(1, Int(Double(image.width) * s)), height: max(1, Int(Double(image.height) * s)))
    }

    /// size × size × 3 RGB bytes.
    var networkRGB: [UInt8] {
        var rgb = [UInt8](repeating: 0, count: network.width * network.height * 3)
        for p in 0..<(network.width * network.height) {
            for c in 0..<3 { rgb[p * 3 + c] = network.pixels[p * 4 + c] }
        }
        return rgb
    }
}

import Foundation
