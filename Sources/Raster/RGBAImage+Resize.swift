import Dispatch

extension RGBAImage {
    /// Resamples with a separable, antialiased triangle ("bilinear") filter, the same
    /// filter as Pillow's `Image.resize(..., BILINEAR)`: when shrinking, the filter's
    /// support grows with the scale factor, so every input pixel contributes and fine
    /// detail averages out instead of aliasing. Colour is filtered premultiplied by alpha.
    /// A same-size resize returns the image unchanged.
    public func resized(width newWidth: Int, height newHeight: Int) -> RGBAImage {
        precondition(newWidth > 0 && newHeight > 0, "resized: target \(newWidth)×\(newHeight) must be positive")
        precondition(width > 0 && height > 0, "resized: source \(width)×\(height) is empty")
        if newWidth == width && newHeight == height { return self }
        let across = ResampleKernel(inSize: width, outSize: newWidth)
        let down = ResampleKernel(inSize: height, outSize: newHeight)

        // Pass 1: rows, bytes -> premultiplied floats, newWidth × height.
        var middle = [Float](repeating: 0, count: newWidth * height * 4)
        let srcWidth = width
        pixels.withUnsafeBufferPointer { src in
            middle.withUnsafeMutableBufferPointer { mid in
                let mid = mid
                Self.forEachChunk(of: height) { y in
                    let inRow = y * srcWidth * 4
                    let outRow = y * newWidth * 4
                    for x in 0..<newWidth {
                        var r: Float = 0, g: Float = 0, b: Float = 0, a: Float = 0
                        let start = across.starts[x], wBase = x * across.stride
                        for k in 0..<across.counts[x] {
                            let p = inRow + (start + k) * 4
                            let w = across.weights[wBase + k]
                            let alpha = Float(src[p + 3])
                            let wa = w * alpha * (1 / 255)
                            r += wa * Float(src[p]); g += wa * Float(src[p + 1]); b += wa * Float(src[p + 2])
                            a += w * alpha
                        }
                        mid[outRow + x * 4] = r; mid[outRow + x * 4 + 1] = g
                        mid[outRow + x * 4 + 2] = b; mid[outRow + x * 4 + 3] = a
                    }
                }
            }
        }

        // Pass 2: columns, floats -> straight-alpha bytes, newWidth × newHeight.
        var out = [UInt8](repeating: 0, count: newWidth * newHeight * 4)
        let rowLength = newWidth * 4
        middle.withUnsafeBufferPointer { mid in
            out.withUnsafeMutableBufferPointer { dst in
                let dst = dst
                Self.forEachChunk(of: newHeight) { y in
                    var acc = [Float](repeating: 0, count: rowLength)
                    acc.withUnsafeMutableBufferPointer { acc in
                        let start = down.starts[y], wBase = y * down.stride
                        for k in 0..<down.counts[y] {
                            let w = down.weights[wBase + k]
                            let row = (start + k) * rowLength
                            for i in 0..<rowLength { acc[i] += w * mid[row + i] }
                        }
                        let outRow = y * rowLength
                        var i = 0
                        while i < rowLength {
                            let a = acc[i + 3]
                            if a > 0 {
                                let un = 255 / a
                                dst[outRow + i] = Self.byte(acc[i] * un)
                                dst[outRow + i + 1] = Self.byte(acc[i + 1] * un)
                                dst[outRow + i + 2] = Self.byte(acc[i + 2] * un)
                                dst[outRow + i + 3] = Self.byte(a)
                            }
                            i += 4
                        }
                    }
                }
            }
        }
        return RGBAImage(width: newWidth, height: newHeight, pixels: out)
    }

    /// Rounds and clamps a 0…255 float to a byte.
    @inline(__always)
    static func byte(_ v: Float) -> UInt8 { UInt8(min(max(v, 0), 255) + 0.5) }

    /// Runs `body(i)` for every `i` in `0..<count`, split across cores for large counts.
    static func forEachChunk(of count: Int, _ body: (Int) -> Void) {
        let chunks = count >= 64 ? 8 : 1
        let perChunk = (count + chunks - 1) / chunks
        withoutActuallyEscaping(body) { body in
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                for i in min(count, c * perChunk)..<min(count, (c + 1) * perChunk) { body(i) }
            }
        }
    }
}
