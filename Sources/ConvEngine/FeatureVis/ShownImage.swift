/// A filter image as the user gets it, at the size it was made: the 8-bit image shown (`FilterImage.rgb`, what the
/// grid, the window and the PNG show), its cropped margin filled by the same display rule applied to the raw image
/// there, so it can be fed back through the network at the same size and border rule as the method measured.
public enum ShownImage {
    /// The plain ascent's (`FilterAscent`'s display rule: the crop's mean to 128, each of its standard deviations
    /// to 64 levels, clipped, rounded) over the whole raw image of side `size`.
    public static func plain(_ i: FilterImage, size: Int) throws -> [Float] {
        let crop = (size - i.side) / 2
        var kept: [Float] = []
        kept.reserveCapacity(i.side * i.side * 3)
        for y in crop..<(size - crop) { kept += i.raw[((y * size + crop) * 3)..<((y * size + size - crop) * 3)] }
        let n = Float(kept.count)
        let mean: Float = kept.reduce(0, +) / n
        let variance: Float = kept.reduce(0) { (sum: Float, v: Float) -> Float in sum + (v - mean) * (v - mean) } / n
        let spread: Float = variance.squareRoot() + 1e-5
        let shown = i.raw.map { (v: Float) -> Float in min(max((v - mean) / spread * 64 + 128, 0), 255).rounded() }
        try checkCentre(shown, i, size)
        return shown
    }

    /// Lucid's: the raw image rounded (it is inside 0–255).
    public static func lucid(_ i: FilterImage, size: Int) throws -> [Float] {
        let shown = i.raw.map { min(max($0, 0), 255).rounded() }
        try checkCentre(shown, i, size)
        return shown
    }

    /// The rebuilt image's centre is the image shown, byte for byte.
    private static func checkCentre(_ shown: [Float], _ i: FilterImage, _ size: Int) throws {
        let crop = (size - i.side) / 2
        for y in 0..<i.side {
            let row = ((y + crop) * size + crop) * 3
            for x in 0..<(i.side * 3) where UInt8(shown[row + x]) != i.rgb[y * i.side * 3 + x] {
                throw ShownImageError.differs(filter: i.filter)
            }
        }
    }
}

/// The image rebuilt for measuring is not the one shown: a bug in `ShownImage` or in the method's display rule.
public enum ShownImageError: Error, Equatable, CustomStringConvertible {
    case differs(filter: Int)

    public var description: String {
        switch self {
        case .differs(let f):
            return "filter \(f): the image rebuilt for measuring differs from the one shown (a bug in ConvScope)"
        }
    }
}
