import Foundation

/// How much of an image's energy is fine detail: the measure behind "the new images are not noise".
public enum SpectralEnergy {
    /// The fraction of an RGB image's energy above half the Nyquist frequency. Precisely: take the image (side·side·3
    /// floats, 0–255 RGB as made, before any display scaling), leave out `crop` pixels at each edge, and per colour
    /// channel subtract the channel's mean and multiply by a separable Hann window (so the crop's edges do not count
    /// as detail); take the 2-D DFT's power |X(ky, kx)|²; sum it over the three channels. The answer is the power at
    /// radial frequencies √(fy² + fx²) > 0.25 cycles per pixel (Nyquist is 0.5; f = min(k, N − k)/N), over all the
    /// power. An image with no variation has none: 0.
    public static func highFrequencyFraction(_ rgb: [Float], side: Int, crop: Int = 0) -> Double {
        precondition(rgb.count == side * side * 3 && 2 * crop < side)
        let n = side - 2 * crop
        let hann = (0..<n).map { 0.5 - 0.5 * cos(2 * Double.pi * (Double($0) + 0.5) / Double(n)) }
        let cosines = (0..<(n * n)).map { cos(2 * Double.pi * Double(($0 / n) * ($0 % n) % n) / Double(n)) }
        let sines = (0..<(n * n)).map { sin(2 * Double.pi * Double(($0 / n) * ($0 % n) % n) / Double(n)) }
        var high = 0.0
        var total = 0.0
        for ch in 0..<3 {
            var plane = [Double](repeating: 0, count: n * n)
            for y in 0..<n {
                for x in 0..<n { plane[y * n + x] = Double(rgb[((y + crop) * side + x + crop) * 3 + ch]) }
            }
            let mean = plane.reduce(0, +) / Double(n * n)
            for y in 0..<n { for x in 0..<n { plane[y * n + x] = (plane[y * n + x] - mean) * hann[y] * hann[x] } }
            // Rows, then columns: a separable DFT in O(n³).
            var rowsRe = [Double](repeating: 0, count: n * n)
            var rowsIm = rowsRe
            for y in 0..<n {
                for k in 0..<n {
                    var re = 0.0
                    var im = 0.0
                    for x in 0..<n {
                        re += plane[y * n + x] * cosines[k * n + x]
                        im -= plane[y * n + x] * sines[k * n + x]
                    }
                    rowsRe[y * n + k] = re
                    rowsIm[y * n + k] = im
                }
            }
            for ky in 0..<n {
                let fy = Double(min(ky, n - ky)) / Double(n)
                for kx in 0..<n {
                    var re = 0.0
                    var im = 0.0
                    for y in 0..<n {
                        let c = cosines[ky * n + y]
                        let s = sines[ky * n + y]
                        re += rowsRe[y * n + kx] * c + rowsIm[y * n + kx] * s
                        im += rowsIm[y * n + kx] * c - rowsRe[y * n + kx] * s
                    }
                    let power = re * re + im * im
                    let fx = Double(min(kx, n - kx)) / Double(n)
                    total += power
                    if (fy * fy + fx * fx).squareRoot() > 0.25 { high += power }
                }
            }
        }
        return total > 0 ? high / total : 0
    }
}
