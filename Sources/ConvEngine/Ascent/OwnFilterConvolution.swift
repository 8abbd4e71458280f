import COpenBLAS

/// A convolution computed for one filter per image: image b's filter `filters[b]` at every output pixel, by direct
/// dot products (one channel costs kh·kw·Cin per pixel, where a full GEMM would compute all Cout channels), and its
/// input gradient. Filter images use it at the filter's own layer, where nothing reads the other channels.
enum OwnFilterConvolution {
    /// y[b, ·, filters[b]] = activation(conv(x[b]) + bias); the other channels of y are left as they are.
    static func forward(
        _ filters: [Int], _ c: Conv2DParameters, _ g: ConvGeneral.Geometry,
        x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>
    ) {
        let inCount = g.inHeight * g.inWidth * g.inChannels
        let outCount = g.outHeight * g.outWidth * c.outChannels
        for (b, f) in filters.enumerated() {
            let column = filterColumn(c, f)
            column.withUnsafeBufferPointer { k in
                eachTap(g) { p, tap, offset in
                    if tap < 0 {
                        y[b * outCount + p * c.outChannels + f] = c.bias![f]
                        return
                    }
                    y[b * outCount + p * c.outChannels + f] += cblas_sdot(
                        Int32(g.inChannels), x + b * inCount + offset, 1, k.baseAddress! + tap * g.inChannels, 1)
                }
            }
            for p in 0..<(g.outHeight * g.outWidth) {
                var v = y[b * outCount + p * c.outChannels + f]
                ElementWise.forward(c.activation, &v, count: 1)
                y[b * outCount + p * c.outChannels + f] = v
            }
        }
    }

    /// dy (only each image's own filter channel read, already past the activation) back into dx (overwritten),
    /// each pixel's gradient scattered along its filter's kernel column.
    static func backward(
        _ filters: [Int], _ c: Conv2DParameters, _ g: ConvGeneral.Geometry,
        dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>
    ) {
        let inCount = g.inHeight * g.inWidth * g.inChannels
        let outCount = g.outHeight * g.outWidth * c.outChannels
        dx.update(repeating: 0, count: filters.count * inCount)
        for (b, f) in filters.enumerated() {
            let column = filterColumn(c, f)
            column.withUnsafeBufferPointer { k in
                eachTap(g) { p, tap, offset in
                    let value = dy[b * outCount + p * c.outChannels + f]
                    guard tap >= 0, value != 0 else { return }
                    cblas_saxpy(
                        Int32(g.inChannels), value, k.baseAddress! + tap * g.inChannels, 1,
                        dx + b * inCount + offset, 1)
                }
            }
        }
    }

    /// For every output pixel p: body(p, −1, 0) first, then body(p, tap, offset) for each kernel tap (ky·kw + kx) that
    /// falls inside the input, `offset` being that input pixel's first channel.
    private static func eachTap(_ g: ConvGeneral.Geometry, _ body: (Int, Int, Int) -> Void) {
        for oy in 0..<g.outHeight {
            for ox in 0..<g.outWidth {
                let p = oy * g.outWidth + ox
                body(p, -1, 0)
                for ky in 0..<g.kernelHeight {
                    let iy = oy * g.strideY - g.padTop + ky
                    guard iy >= 0 && iy < g.inHeight else { continue }
                    for kx in 0..<g.kernelWidth {
                        let ix = ox * g.strideX - g.padLeft + kx
                        guard ix >= 0 && ix < g.inWidth else { continue }
                        body(p, ky * g.kernelWidth + kx, (iy * g.inWidth + ix) * g.inChannels)
                    }
                }
            }
        }
    }

    /// Filter f's weights, (ky, kx, ci) contiguous: column f of the (kh·kw·Cin, Cout) kernel.
    private static func filterColumn(_ c: Conv2DParameters, _ f: Int) -> [Float] {
        c.storage.withFloats { k in
            (0..<(c.kernelHeight * c.kernelWidth * c.inChannels)).map { k[$0 * c.outChannels + f] }
        }
    }
}
