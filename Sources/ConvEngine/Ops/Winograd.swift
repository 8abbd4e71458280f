import CKernels
import COpenBLAS

/// 3×3 'same' convolution by Winograd's minimal filtering F(4×4, 3×3) (Lavin & Gray, "Fast Algorithms for
/// Convolutional Neural Networks", 2016): a 4×4 output tile costs 36 multiplies per channel pair instead of 144.
/// Each 6×6 input tile (tiles overlap by 2) is transformed, V = Bᵀ d B; the 36 transformed positions are 36
/// independent GEMMs over channels, M_p = V_p · U_p, with U = G g Gᵀ the kernel transformed once
/// (`WinogradKernel`); each result tile is transformed back, Y = Aᵀ M A, plus bias and ReLU. Shapes NHWC.
/// Needs channel counts that are multiples of 8 (`WinogradKernel.fits`); VGG16's first convolution (3 inputs)
/// stays on im2col. The transforms and, on AVX2 and AVX-512 machines, the 36 products run in C (`CKernels`), the
/// instruction set chosen at run time; the products run on OpenBLAS where the kernel is not packed for them.
public enum Winograd {

    /// A layer whose transformed input and products fit in this many floats runs as one chunk, so each U_p is read
    /// once (deep layers: few tiles, large kernels); a larger one runs in chunks of `chunkFloats`, or of the
    /// kernel's own size if that is larger so re-reading U per chunk costs at most as much as the chunk's data
    /// (first layers: many tiles, small kernels, chunks that stay in cache).
    static let wholeLayerFloats = 8 << 20, chunkFloats = 1 << 20

    /// Tiles per chunk for a layer of `tiles` tiles.
    static func chunkTiles(tiles: Int, inChannels: Int, outChannels: Int) -> Int {
        let perTile = 36 * (inChannels + outChannels)
        return tiles * perTile <= wholeLayerFloats
            ? tiles : max(1, max(chunkFloats, 36 * inChannels * outChannels) / perTile)
    }

    /// Floats of scratch a convolution over `batch` images of height × width runs best with (fewer give smaller
    /// chunks).
    public static func scratchCount(batch: Int = 1, height: Int, width: Int, inChannels: Int, outChannels: Int) -> Int {
        let tiles = Shape(height: height, width: width).tiles(batch: batch)
        return chunkTiles(tiles: tiles, inChannels: inChannels, outChannels: outChannels) * 36
            * (inChannels + outChannels)
    }

    /// x (N,H,W,Cin), kernel U (36,Cin,Cout) → y (N,H,W,Cout) = act(conv + bias), with `scratchCount` floats of
    /// scratch. `ways` > 1 splits every phase across that many threads (OpenBLAS single-threaded:
    /// `Parallel.useSingleThreadedBLAS`). With `pool` (H and W even), y is that output max-pooled 2×2,
    /// (N,H/2,W/2,Cout), written without the unpooled map ever being stored.
    public static func forward(
        x: UnsafePointer<Float>, batch: Int = 1, height: Int, width: Int, kernel: WinogradKernel,
        bias: UnsafePointer<Float>?, relu: Bool, y: UnsafeMutablePointer<Float>,
        scratch: UnsafeMutablePointer<Float>, scratchCount: Int, ways: Int = 1, pool: Bool = false
    ) {
        precondition(!pool || (height % 2 == 0 && width % 2 == 0), "2×2 pooling of an even-sided map")
        let cin = kernel.inChannels
        let cout = kernel.outChannels
        let shape = Shape(height: height, width: width)
        let tiles = shape.tiles(batch: batch)
        let perTile = 36 * (cin + cout)
        precondition(scratchCount >= perTile, "Winograd scratch smaller than one tile")
        if kernel.isPacked, 36 * cin * cout <= pipelineKernelFloats, scratchCount >= max(1, ways) * perTile {
            pipelined(
                x: x, shape: shape, tiles: tiles, kernel: kernel, bias: bias, relu: relu, y: y, scratch: scratch,
                tilesPerStep: min(pipelineTiles, scratchCount / (max(1, ways) * perTile)), ways: ways, pool: pool)
            return
        }
        let chunk = min(chunkTiles(tiles: tiles, inChannels: cin, outChannels: cout), scratchCount / perTile)
        let v = scratch
        let m = scratch + chunk * 36 * cin
        var start = 0
        while start < tiles {
            let count = min(chunk, tiles - start)
            let first = start
            Parallel.split(count, ways: ways) { _, r in
                cs_wino_input(
                    x, Int32(height), Int32(width), Int32(cin), first + r.lowerBound, first + r.upperBound,
                    v + r.lowerBound * 36 * cin)
            }
            products(v, kernel, count: count, adjoint: false, ways: ways, m)
            Parallel.split(count, ways: ways) { _, r in
                output(
                    m + r.lowerBound * 36 * cout, shape, cout, first + r.lowerBound, first + r.upperBound, bias,
                    relu, y, pool: pool)
            }
            start += count
        }
    }

    /// Kernels up to this many floats (4 MB: 128 → 128 channels, 64 → 256) run `pipelined`: each thread reads all of U,
    /// which is cheap next to the many tiles of those early layers.
    static let pipelineKernelFloats = 1 << 20, pipelineTiles = 48

    /// Each thread takes its own share of the tiles through all three phases, `tilesPerStep` at a time, so V and M
    /// stay in its cache and the threads never wait for each other (packed kernels only).
    /// The 36 products of a chunk of `count` tiles, the positions split over `ways` threads: M_p (count, Cout) = V_p
    /// (count, Cin) · U_p, or with `adjoint` V̄_p (count, Cin) = M̄_p (count, Cout) · U_pᵀ (`backwardInput`); rows of
    /// both sides are 36 positions apart. The engine's GEMM where U is packed for it, else OpenBLAS (U_p stored
    /// (Cin, Cout)).
    static func products(
        _ a: UnsafePointer<Float>, _ kernel: WinogradKernel, count: Int, adjoint: Bool, ways: Int,
        _ out: UnsafeMutablePointer<Float>
    ) {
        let cin = kernel.inChannels
        let cout = kernel.outChannels
        let (k, n) = adjoint ? (cout, cin) : (cin, cout)
        Parallel.split(36, ways: ways) { _, r in
            kernel.u.withUnsafeBufferPointer { u in
                if kernel.isPacked {
                    let (p0, p1) = (Int32(r.lowerBound), Int32(r.upperBound))
                    if adjoint {
                        cs_wino_gemm_transposed(a, u.baseAddress!, count, Int32(cin), Int32(cout), p0, p1, out)
                    } else {
                        cs_wino_gemm(a, u.baseAddress!, count, Int32(cin), Int32(cout), p0, p1, out)
                    }
                    return
                }
                for p in r {
                    cblas_sgemm(
                        CblasRowMajor, CblasNoTrans, adjoint ? CblasTrans : CblasNoTrans, Int32(count), Int32(n),
                        Int32(k), 1, a + p * k, Int32(36 * k), u.baseAddress! + p * cin * cout, Int32(cout),
                        0, out + p * n, Int32(36 * n))
                }
            }
        }
    }

    static func pipelined(
        x: UnsafePointer<Float>, shape: Shape, tiles: Int, kernel: WinogradKernel,
        bias: UnsafePointer<Float>?, relu: Bool, y: UnsafeMutablePointer<Float>,
        scratch: UnsafeMutablePointer<Float>, tilesPerStep: Int, ways: Int, pool: Bool
    ) {
        let cin = kernel.inChannels
        let cout = kernel.outChannels
        let perTile = 36 * (cin + cout)
        kernel.u.withUnsafeBufferPointer { u in
            Parallel.split(tiles, ways: ways) { way, share in
                let v = scratch + way * tilesPerStep * perTile
                let m = v + tilesPerStep * 36 * cin
                var t = share.lowerBound
                while t < share.upperBound {
                    let n = min(tilesPerStep, share.upperBound - t)
                    cs_wino_input(x, Int32(shape.height), Int32(shape.width), Int32(cin), t, t + n, v)
                    cs_wino_gemm(v, u.baseAddress!, n, Int32(cin), Int32(cout), 0, 36, m)
                    output(m, shape, cout, t, t + n, bias, relu, y, pool: pool)
                    t += n
                }
            }
        }
    }

    /// Output tiles [t0, t1) from M into y, pooled 2×2 when `pool`.
    private static func output(
        _ m: UnsafePointer<Float>, _ shape: Shape, _ cout: Int, _ t0: Int, _ t1: Int, _ bias: UnsafePointer<Float>?,
        _ relu: Bool, _ y: UnsafeMutablePointer<Float>, pool: Bool
    ) {
        let (h, w, c) = (Int32(shape.height), Int32(shape.width), Int32(cout))
        if pool {
            cs_wino_output_pool(m, h, w, c, t0, t1, bias, relu ? 1 : 0, y)
        } else {
            cs_wino_output(m, h, w, c, t0, t1, bias, relu ? 1 : 0, y)
        }
    }

    struct Shape {
        let height: Int, width: Int, tilesY: Int, tilesX: Int
        init(height: Int, width: Int) {
            self.height = height
            self.width = width
            tilesY = (height + 3) / 4
            tilesX = (width + 3) / 4
        }
        func tiles(batch: Int) -> Int { batch * tilesY * tilesX }
    }
}
