import COpenBLAS

/// Any convolution (kernel kh×kw, strides, explicit zero padding) as im2col + `cblas_sgemm`, in row chunks, bias
/// added, no activation. Forward and input gradient side by side; shapes NHWC, N = `batch`.
public enum ConvGeneral {
    public struct Geometry {
        public var inHeight: Int, inWidth: Int, inChannels: Int
        public var kernelHeight: Int, kernelWidth: Int, outChannels: Int
        public var strideY: Int, strideX: Int, padTop: Int, padLeft: Int
        public var outHeight: Int, outWidth: Int
        var columns: Int { kernelHeight * kernelWidth * inChannels }
    }

    public static let chunkRows = 1024

    /// Floats of scratch one thread needs.
    public static func scratchCount(_ g: Geometry) -> Int { chunkRows * g.columns }

    /// x (N,H,W,Cin), kernel (kh·kw·Cin, Cout), bias (Cout) or nil → y (N,OH,OW,Cout). `ways` threads, each with
    /// `scratchCount` floats of `scratch`.
    public static func forward(
        x: UnsafePointer<Float>, batch: Int, _ g: Geometry, kernel: UnsafePointer<Float>,
        bias: UnsafePointer<Float>?, y: UnsafeMutablePointer<Float>,
        scratch: UnsafeMutablePointer<Float>, ways: Int = 1
    ) {
        let pixels = batch * g.outHeight * g.outWidth
        let k = g.columns
        let cout = g.outChannels
        Parallel.split(pixels, ways: ways) { way, share in
            let cols = scratch + way * scratchCount(g)
            var start = share.lowerBound
            while start < share.upperBound {
                let rows = min(chunkRows, share.upperBound - start)
                im2col(x: x, g, firstRow: start, rows: rows, cols: cols)
                let out = y + start * cout
                if let bias { for r in 0..<rows { (out + r * cout).update(from: bias, count: cout) } }
                cblas_sgemm(
                    CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rows), Int32(cout), Int32(k),
                    1, cols, Int32(k), kernel, Int32(cout), bias == nil ? 0 : 1, out, Int32(cout))
                start += rows
            }
        }
    }

    /// dy (N,OH,OW,Cout) = ∂L/∂(pre-activation) → dx (N,H,W,Cin) = ∂L/∂x, overwritten; on this thread.
    public static func backwardInput(
        dy: UnsafePointer<Float>, batch: Int, _ g: Geometry, kernel: UnsafePointer<Float>,
        dx: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>
    ) {
        let pixels = batch * g.outHeight * g.outWidth
        let k = g.columns
        let cout = g.outChannels
        dx.update(repeating: 0, count: batch * g.inHeight * g.inWidth * g.inChannels)
        var start = 0
        while start < pixels {
            let rows = min(chunkRows, pixels - start)
            cblas_sgemm(
                CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(k), Int32(cout),
                1, dy + start * cout, Int32(cout), kernel, Int32(cout), 0, scratch, Int32(k))
            col2im(cols: scratch, g, firstRow: start, rows: rows, dx: dx)
            start += rows
        }
    }

    /// Rows firstRow..<firstRow+rows of the (N·OH·OW, kh·kw·Cin) patch matrix; padding reads as zero. In floats, or
    /// doubles for `Float64Pass`.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func im2col<T: BinaryFloatingPoint>(
        x: UnsafePointer<T>, _ g: Geometry, firstRow: Int, rows: Int, cols: UnsafeMutablePointer<T>
    ) {
        let c = g.inChannels
        let k = g.columns
        let perImage = g.outHeight * g.outWidth
        for r in 0..<rows {
            let row = firstRow + r
            let n = row / perImage
            let p = row % perImage
            let oy = p / g.outWidth
            let ox = p % g.outWidth
            let image = x + n * g.inHeight * g.inWidth * c
            var dst = cols + r * k
            for ky in 0..<g.kernelHeight {
                let iy = oy * g.strideY - g.padTop + ky
                for kx in 0..<g.kernelWidth {
                    let ix = ox * g.strideX - g.padLeft + kx
                    if iy >= 0 && iy < g.inHeight && ix >= 0 && ix < g.inWidth {
                        dst.update(from: image + (iy * g.inWidth + ix) * c, count: c)
                    } else {
                        dst.update(repeating: 0, count: c)
                    }
                    dst += c
                }
            }
        }
    }

    /// Adds the patch rows' values back into dx at the pixels they came from.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func col2im<T: BinaryFloatingPoint>(
        cols: UnsafePointer<T>, _ g: Geometry, firstRow: Int, rows: Int, dx: UnsafeMutablePointer<T>
    ) {
        let c = g.inChannels
        let k = g.columns
        let perImage = g.outHeight * g.outWidth
        for r in 0..<rows {
            let row = firstRow + r
            let n = row / perImage
            let p = row % perImage
            let oy = p / g.outWidth
            let ox = p % g.outWidth
            let image = dx + n * g.inHeight * g.inWidth * c
            var src = cols + r * k
            for ky in 0..<g.kernelHeight {
                let iy = oy * g.strideY - g.padTop + ky
                for kx in 0..<g.kernelWidth {
                    let ix = ox * g.strideX - g.padLeft + kx
                    if iy >= 0 && iy < g.inHeight && ix >= 0 && ix < g.inWidth {
                        let d = image + (iy * g.inWidth + ix) * c
                        for i in 0..<c { d[i] += src[i] }
                    }
                    src += c
                }
            }
        }
    }
}
