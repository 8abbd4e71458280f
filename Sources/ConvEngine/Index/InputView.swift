/// How a photo became the network's input: the part of it the network sees (the whole photo, or its largest centred
/// crop with the input's aspect) squashed to the input's size. Maps boxes of input pixels back to the photo's pixels.
public struct InputView: Equatable, Sendable, Codable {
    public var imageWidth: Int, imageHeight: Int
    /// The photo's pixels the network's view covers.
    public var region: PixelBox
    public var inputWidth: Int, inputHeight: Int

    public init(imageWidth: Int, imageHeight: Int, inputWidth: Int, inputHeight: Int, crop: Bool) {
        precondition(imageWidth > 0 && imageHeight > 0 && inputWidth > 0 && inputHeight > 0)
        self.imageWidth = imageWidth
        self.imageHeight = imageHeight
        self.inputWidth = inputWidth
        self.inputHeight = inputHeight
        region =
            crop
            ? Self.centreCrop(
                imageWidth: imageWidth, imageHeight: imageHeight,
                aspectWidth: inputWidth, aspectHeight: inputHeight)
            : PixelBox(x: 0, y: 0, width: imageWidth, height: imageHeight)
    }

    /// The largest centred rectangle of a `imageWidth`×`imageHeight` photo with the aspect `aspectWidth`:`aspectHeight`
    /// (the window's crop; for a square input, the centred square of the shorter side).
    public static func centreCrop(
        imageWidth w: Int, imageHeight h: Int, aspectWidth aw: Int, aspectHeight ah: Int
    )
        -> PixelBox
    {
        let cw = max(1, min(w, h * aw / ah))
        let ch = max(1, min(h, w * ah / aw))
        return PixelBox(x: (w - cw) / 2, y: (h - ch) / 2, width: cw, height: ch)
    }

    /// The photo's pixels under `box` (input pixels): its edges scaled out to whole photo pixels, inside `region`.
    public func original(_ box: PixelBox) -> PixelBox {
        func axis(_ start: Int, _ count: Int, _ inSize: Int, _ offset: Int, _ outSize: Int) -> (Int, Int) {
            let lo = start * outSize / inSize
            let hi = ((start + count) * outSize + inSize - 1) / inSize
            let a = min(max(lo, 0), outSize - 1)
            let b = min(max(hi, a + 1), outSize)
            return (offset + a, b - a)
        }
        let (x, w) = axis(box.x, box.width, inputWidth, region.x, region.width)
        let (y, h) = axis(box.y, box.height, inputHeight, region.y, region.height)
        return PixelBox(x: x, y: y, width: w, height: h)
    }
}
