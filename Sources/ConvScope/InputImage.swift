import ConvEngine
import Foundation
import Platform
import Raster

/// A photo as loaded, and the view of it the network sees (its input size; an image already at that size is used
/// unchanged).
struct InputImage {
    let name: String
    let original: RGBAImage  // composited over white
    let shown: RGBAImage  // what the network's view covers: the whole image, or its centre crop
    let network: RGBAImage  // the network's width × height
    let preview: RGBAImage  // `original` at most 1600 px across, for the screen (textures have size limits)
    let gray: RGBAImage  // `shown` in grayscale, at most 1600 px across

    init(path: String, width: Int, height: Int, crop: Bool) throws {
        try self.init(path: path, decoded: IsolatedImageDecoder.shared.load(path: path), width: width, height: height,
                      crop: crop)  // decoded in a child process
    }

    /// From the photo at `path` already decoded.
    init(path: String, decoded: RGBAImage, width: Int, height: Int, crop: Bool) {
        name = (path as NSString).lastPathComponent
        original = decoded
        (shown, network) = InputImage.networkView(of: original, width: width, height: height, crop: crop)
        preview = InputImage.fitting(original, 1600)
        gray = InputImage.fitting(shown, 1600).grayscale()
    }

    /// What the network's view covers (the whole image, or its centre crop) and that at the network's
    /// width × height (unchanged when it is that size already). The channel index sizes photos here too, so its
    /// positions are the window's.
    static func networkView(of original: RGBAImage, width: Int, height: Int, crop: Bool)
        -> (shown: RGBAImage, network: RGBAImage) {
        let shown = crop ? centreCropped(original, aspectWidth: width, height: height) : original
        let same = shown.width == width && shown.height == height
        let network = same ? shown : shown.resized(width: width, height: height)
        return (shown, network)
    }

    /// The largest centred crop with the network's aspect ratio (`InputView.centreCrop`, which maps positions back).
    static func centreCropped(_ image: RGBAImage, aspectWidth w: Int, height h: Int) -> RGBAImage {
        let r = InputView.centreCrop(imageWidth: image.width, imageHeight: image.height, aspectWidth: w,
                                     aspectHeight: h)
        return image.cropped(x: r.x, y: r.y, width: r.width, height: r.height)
    }

    static func fitting(_ image: RGBAImage, _ side: Int) -> RGBAImage {
        let s = Double(side) / Double(max(image.width, image.height))
        guard s < 1 else { return image }
        return image.resized(width: max(1, Int(Double(image.width) * s)), height: max(1, Int(Double(image.height) * s)))
    }

    /// width × height × 3 RGB bytes.
    var networkRGB: [UInt8] { network.rgbBytes }
}
