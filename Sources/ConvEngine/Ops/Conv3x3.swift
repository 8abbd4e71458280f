import CKernels
import COpenBLAS

/// 3×3 'same' convolution with bias and ReLU, stride 1, as im2col + `cblas_sgemm`, in row chunks so the column
/// buffer stays small and hot in cache. Forward and backward side by side; shapes NHWC, N = `batch` (default 1), and
/// the rows of a batch are simply the N·H·W output pixels, so a batch makes one long GEMM per chunk.
public enum Conv3x3 {
    /// Rows (output pixels) per im2col chunk.
    public static let chunkRows = 2048

    /// Kernels up to this many floats are packed per call for the engine's own GEMM.
    static let packedKernelLimit = 1 << 16

    /// Floats of scratch a convolution over `inChannels` needs.
    public static func scratchCount(inChannels: Int) -> Int { chunkRows * 9 * inChannels }

    /// x (N,H,W,Cin), kernel (3,3,Cin,Cout) = (9·Cin, Cout) row-major, bias (Cout) → y (N,H,W,Cout) = ReLU(conv + bias)
    /// (no ReLU when `relu` is false).
    /// `ways` > 1 splits the rows over that many threads, each with its own `scratchCount` floats of `scratch`.
    public static func forward(
        x: UnsafePointer<Float>, batch: Int = 1, height: Int, width: Int, inChannels: Int,
        kernel: UnsafePointer<Float>, bias: UnsafePointer<Float>, outChannels: Int, relu applyReLU: Bool = true,
        y: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>, ways: Int = 1
    ) {
        let pixels = batch * height * width
        let k = 9 * inChannels
        // A small kernel (the first layer's 27 × 64) is packed here for the engine's AVX-512 GEMM, which also adds
        // the bias and applies ReLU; OpenBLAS would re-pack the whole patch matrix on every call.
        let panel = Int(cs_wino_panel_width())
        let packed: [Float]? =
            panel > 0 && outChannels % panel == 0 && k * outChannels <= packedKernelLimit
            ? [Float](unsafeUninitializedCapacity: k * outChannels) { buffer, count in
                cs_pack_panels(kernel, Int32(k), Int32(outChannels), buffer.baseAddress!)
                count = k * outChannels
            } : nil
        Parallel.split(pixels, ways: ways) { way, share in
            let scratch = scratch + way * scratchCount(inChannels: inChannels)
            var start = share.lowerBound
            while start < share.upperBound {
                let rows = min(chunkRows, share.upperBound - start)
                im2col(
                    x: x, height: height, width: width, channels: inChannels, firstRow: start, rows: rows, cols: scratch
                )
                let out = y + start * outChannels
                if let packed {
                    cs_gemm(
                        scratch, k, packed, rows, Int32(k), Int32(outChannels), out, outChannels, bias,
                        applyReLU ? 1 : 0)
                } else {
                    for r in 0..<rows { (out + r * outChannels).update(from: bias, count: outChannels) }
                    cblas_sgemm(
                        CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rows), Int32(outChannels), Int32(k),
                        1, scratch, Int32(k), kernel, Int32(outChannels), 1, out, Int32(outChannels))
                    if applyReLU { relu(out, count: rows * outChannels) }
                }
                start += rows
            }
        }
    }

    /// dy (N,H,W,Cout) = ∂L/∂(pre-activation), kernel (9·Cin, Cout) → dx (N,H,W,Cin) = ∂L/∂x (overwritten).
    /// `ways` > 1 splits the pixels over that many threads, each with its own `scratchCount` floats of `scratch`;
    /// a share's patches also add onto the pixels beside it, so every thread after the first sums into its own
    /// copy of dx, added in at the end.
    public static func backwardInput(
        dy: UnsafePointer<Float>, batch: Int = 1, height: Int, width: Int, inChannels: Int,
        kernel: UnsafePointer<Float>, outChannels: Int,
        dx: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>, ways: Int = 1
    ) {
        let pixels = batch * height * width
        let count = pixels * inChannels
        let w = max(1, min(ways, pixels / chunkRows))
        var copies = [Float](repeating: 0, count: (w - 1) * count)
        dx.update(repeating: 0, count: count)
        copies.withUnsafeMutableBufferPointer { cp in
            Parallel.split(pixels, ways: w) { way, share in
                let out = way == 0 ? dx : cp.baseAddress! + (way - 1) * count
                let cols = scratch + way * scratchCount(inChannels: inChannels)
                backwardInput(
                    dy: dy, rows: share, height: height, width: width, inChannels: inChannels, kernel: kernel,
                    outChannels: outChannels, dx: out, scratch: cols)
            }
        }
        for way in 1..<w {
            copies.withUnsafeBufferPointer { cp in
                let src = cp.baseAddress! + (way - 1) * count
                for i in 0..<count { dx[i] += src[i] }
            }
        }
    }

    /// Adds the patches of output pixels `rows` onto dx.
    private static func backwardInput(
        dy: UnsafePointer<Float>, rows share: Range<Int>, height: Int, width: Int, inChannels: Int,
        kernel: UnsafePointer<Float>, outChannels: Int, dx: UnsafeMutablePointer<Float>,
        scratch: UnsafeMutablePointer<Float>
    ) {
        let k = 9 * inChannels
        var start = share.lowerBound
        while start < share.upperBound {
            let rows = min(chunkRows, share.upperBound - start)
            // cols (rows, 9·Cin) = dy (rows, Cout) · kernelᵀ (Cout, 9·Cin)
            cblas_sgemm(
                CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(k), Int32(outChannels),
                1, dy + start * outChannels, Int32(outChannels), kernel, Int32(outChannels), 0, scratch, Int32(k))
            col2im(
                cols: scratch, height: height, width: width, channels: inChannels, firstRow: start, rows: rows, dx: dx)
            start += rows
        }
    }

    /// ReLU backward in place: g = g where y > 0, else 0 (TensorFlow's ReluGrad, on the layer's output).
    public static func reluBackward(_ g: UnsafeMutablePointer<Float>, output y: UnsafePointer<Float>, count: Int) {
        let vectors = count / 8
        let gv = UnsafeMutableRawPointer(g)
        let yv = UnsafeRawPointer(y)
        for v in 0..<vectors {
            let o = v * 32
            let yy = yv.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self)
            var gg = gv.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self)
            gg.replace(with: 0, where: .!(yy .> 0))
            gv.storeBytes(of: gg, toByteOffset: o, as: SIMD8<Float>.self)
        }
        for i in (vectors * 8)..<count where !(y[i] > 0) { g[i] = 0 }
    }

    static func relu(_ v: UnsafeMutablePointer<Float>, count: Int) {
        let vectors = count / 8
        let raw = UnsafeMutableRawPointer(v)
        for i in 0..<vectors {
            let x = raw.loadUnaligned(fromByteOffset: i * 32, as: SIMD8<Float>.self)
            raw.storeBytes(of: x.replacing(with: 0, where: .!(x .> 0)), toByteOffset: i * 32, as: SIMD8<Float>.self)
        }
        for i in (vectors * 8)..<count { v[i] = max(v[i], 0) }
    }

    /// Rows [firstRow, firstRow+rows) of the (N·H·W, 9·C) patch matrix, columns ordered (ky, kx, c) like an HWIO
    /// kernel.
    static func im2col(
        x: UnsafePointer<Float>, height: Int, width: Int, channels: Int, firstRow: Int, rows: Int,
        cols: UnsafeMutablePointer<Float>
    ) {
        let k = 9 * channels
        let plane = height * width
        for r in 0..<rows {
            let p = firstRow + r
            let q = p % plane
            let oy = q / width
            let ox = q % width
            let x = x + (p - q) * channels
            let row = cols + r * k
            let across = ox >= 1 && ox + 1 < width  // all three columns inside: each kernel row is one run of 3·C
            for ky in 0..<3 {
                let iy = oy + ky - 1
                if across && iy >= 0 && iy < height {
                    let src = x + (iy * width + ox - 1) * channels
                    let dst = row + ky * 3 * channels
                    if channels < 16 {
                        for c in 0..<(3 * channels) { dst[c] = src[c] }
                    } else {
                        dst.update(from: src, count: 3 * channels)
                    }
                    continue
                }
                for kx in 0..<3 {
                    let ix = ox + kx - 1
                    let dst = row + (ky * 3 + kx) * channels
                    if iy < 0 || iy >= height || ix < 0 || ix >= width {
                        for c in 0..<channels { dst[c] = 0 }
                    } else if channels < 16 {
                        let src = x + (iy * width + ix) * channels  // a few floats: a loop beats a memmove call
                        for c in 0..<channels { dst[c] = src[c] }
                    } else {
                        dst.update(from: x + (iy * width + ix) * channels, count: channels)
                    }
                }
            }
        }
    }

    /// Adds each patch-matrix row back onto the pixels it was gathered from (the adjoint of im2col).
    static func col2im(
        cols: UnsafePointer<Float>, height: Int, width: Int, channels: Int, firstRow: Int, rows: Int,
        dx: UnsafeMutablePointer<Float>
    ) {
        let k = 9 * channels
        let plane = height * width
        for r in 0..<rows {
            let p = firstRow + r
            let q = p % plane
            let oy = q / width
            let ox = q % width
            let dx = dx + (p - q) * channels
            let row = cols + r * k
            for ky in 0..<3 {
                let iy = oy + ky - 1
                if iy < 0 || iy >= height { continue }
                for kx in 0..<3 {
                    let ix = ox + kx - 1
                    if ix < 0 || ix >= width { continue }
                    let src = row + (ky * 3 + kx) * channels
                    let dst = dx + (iy * width + ix) * channels
                    for c in 0..<channels { dst[c] += src[c] }
                }
            }
        }
    }
}
