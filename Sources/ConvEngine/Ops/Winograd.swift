import COpenBLAS

/// 3×3 'same' convolution by Winograd's minimal filtering F(4×4, 3×3) (Lavin & Gray, "Fast Algorithms for
/// Convolutional Neural Networks", 2016): a 4×4 output tile costs 36 multiplies per channel pair instead of 144.
/// Each 6×6 input tile (tiles overlap by 2) is transformed, V = Bᵀ d B; the 36 transformed positions are 36
/// independent GEMMs over channels, M_p = V_p · U_p, with U = G g Gᵀ the kernel transformed once
/// (`WinogradKernel`); each result tile is transformed back, Y = Aᵀ M A, plus bias and ReLU. Shapes NHWC.
/// Needs channel counts that are multiples of 8 (`WinogradKernel.fits`); VGG16's first convolution (3 inputs)
/// stays on im2col.
public enum Winograd {
    typealias V8 = SIMD8<Float>

    /// A layer whose transformed input and products fit in this many floats runs as one chunk, so each U_p is read
    /// once (deep layers: few tiles, large kernels); a larger one runs in chunks of `chunkFloats`, or of the
    /// kernel's own size if that is larger so re-reading U per chunk costs at most as much as the chunk's data
    /// (first layers: many tiles, small kernels, chunks that stay in cache).
    static let wholeLayerFloats = 8 << 20, chunkFloats = 1 << 20

    /// Tiles per chunk for a layer of `tiles` tiles.
    static func chunkTiles(tiles: Int, inChannels: Int, outChannels: Int) -> Int {
        let perTile = 36 * (inChannels + outChannels)
        return tiles * perTile <= wholeLayerFloats ? tiles : max(1, max(chunkFloats, 36 * inChannels * outChannels) / perTile)
    }

    /// Floats of scratch a convolution over `batch` images of height × width runs best with (fewer give smaller chunks).
    public static func scratchCount(batch: Int = 1, height: Int, width: Int, inChannels: Int, outChannels: Int) -> Int {
        let tiles = Shape(height: height, width: width).tiles(batch: batch)
        return chunkTiles(tiles: tiles, inChannels: inChannels, outChannels: outChannels) * 36 * (inChannels + outChannels)
    }

    /// x (N,H,W,Cin), kernel U (36,Cin,Cout) → y (N,H,W,Cout) = act(conv + bias), with `scratchCount` floats of
    /// scratch. `ways` > 1 splits every phase across that many threads (OpenBLAS single-threaded:
    /// `Parallel.useSingleThreadedBLAS`).
    public static func forward(x: UnsafePointer<Float>, batch: Int = 1, height: Int, width: Int, kernel: WinogradKernel,
                               bias: UnsafePointer<Float>?, relu: Bool, y: UnsafeMutablePointer<Float>,
                               scratch: UnsafeMutablePointer<Float>, scratchCount: Int, ways: Int = 1) {
        let cin = kernel.inChannels, cout = kernel.outChannels
        let shape = Shape(height: height, width: width), tiles = shape.tiles(batch: batch)
        let perTile = 36 * (cin + cout)
        precondition(scratchCount >= perTile, "Winograd scratch smaller than one tile")
        let chunk = min(chunkTiles(tiles: tiles, inChannels: cin, outChannels: cout), scratchCount / perTile)
        let v = scratch, m = scratch + chunk * 36 * cin
        var start = 0
        while start < tiles {
            let count = min(chunk, tiles - start), first = start
            Parallel.split(count, ways: ways) { _, r in
                transformInput(x: x, shape: shape, channels: cin, tiles: (first + r.lowerBound)..<(first + r.upperBound),
                               v: v + r.lowerBound * 36 * cin)
            }
            Parallel.split(36, ways: ways) { _, r in
                kernel.u.withUnsafeBufferPointer { u in
                    for p in r {
                        // M_p (count, Cout) = V_p (count, Cin) · U_p (Cin, Cout); rows of V and M are 36 positions apart.
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, kernel.transposed ? CblasTrans : CblasNoTrans,
                                    Int32(count), Int32(cout), Int32(cin), 1, v + p * cin, Int32(36 * cin),
                                    u.baseAddress! + p * cin * cout, Int32(kernel.transposed ? cin : cout),
                                    0, m + p * cout, Int32(36 * cout))
                    }
                }
            }
            Parallel.split(count, ways: ways) { _, r in
                transformOutput(m: m + r.lowerBound * 36 * cout, shape: shape, channels: cout,
                                tiles: (first + r.lowerBound)..<(first + r.upperBound), bias: bias, relu: relu, y: y)
            }
            start += count
        }
    }

    struct Shape {
        let height: Int, width: Int, tilesY: Int, tilesX: Int
        init(height: Int, width: Int) {
            self.height = height; self.width = width; tilesY = (height + 3) / 4; tilesX = (width + 3) / 4
        }
        func tiles(batch: Int) -> Int { batch * tilesY * tilesX }
        /// Image, top row and left column of a tile's 4×4 outputs.
        @inline(__always) func origin(_ tile: Int) -> (image: Int, y: Int, x: Int) {
            let perImage = tilesY * tilesX, q = tile % perImage
            return (tile / perImage, (q / tilesX) * 4, (q % tilesX) * 4)
        }
    }

    /// (d0…d5) → Bᵀ d, with Bᵀ = [4 0 −5 0 1 0; 0 −4 −4 1 1 0; 0 4 −4 −1 1 0; 0 −2 −1 2 1 0; 0 2 −1 −2 1 0; 0 4 0 −5 0 1].
    @inline(__always) static func bt(_ d0: V8, _ d1: V8, _ d2: V8, _ d3: V8, _ d4: V8, _ d5: V8) -> (V8, V8, V8, V8, V8, V8) {
        let a = d4 - 4 * d2, b = d3 - 4 * d1, c = d4 - d2, e = 2 * (d3 - d1)
        return (4 * d0 - 5 * d2 + d4, a + b, a - b, c + e, c - e, 4 * d1 - 5 * d3 + d5)
    }

    /// (m0…m5) → Aᵀ m, with Aᵀ = [1 1 1 1 1 0; 0 1 −1 2 −2 0; 0 1 1 4 4 0; 0 1 −1 8 −8 1].
    @inline(__always) static func at(_ m0: V8, _ m1: V8, _ m2: V8, _ m3: V8, _ m4: V8, _ m5: V8) -> (V8, V8, V8, V8) {
        let s1 = m1 + m2, d1 = m1 - m2, s2 = m3 + m4, d2 = m3 - m4
        return (m0 + s1 + s2, d1 + 2 * d2, s1 + 4 * s2, d1 + 8 * d2 + m5)
    }

    @inline(__always) static func load(_ p: UnsafePointer<Float>) -> V8 { UnsafeRawPointer(p).loadUnaligned(as: V8.self) }
    @inline(__always) static func store(_ v: V8, _ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: V8.self) }

    /// V[tile][p][c] for `tiles`, written from `v` on (36·Cin floats per tile); pixels outside the image are zero.
    static func transformInput(x: UnsafePointer<Float>, shape s: Shape, channels cin: Int, tiles: Range<Int>,
                               v: UnsafeMutablePointer<Float>) {
        withUnsafeTemporaryAllocation(of: V8.self, capacity: 36) { buffer in
            let t = buffer.baseAddress!
            for tile in tiles {
                let (image, oy, ox) = s.origin(tile)
                let y0 = oy - 1, x0 = ox - 1
                let base = x + image * s.height * s.width * cin
                let interior = y0 >= 0 && x0 >= 0 && y0 + 6 <= s.height && x0 + 6 <= s.width
                let out = v + (tile - tiles.lowerBound) * 36 * cin
                @inline(__always) func d(_ r: Int, _ j: Int, _ c: Int) -> V8 {
                    let iy = y0 + r, ix = x0 + j
                    if interior || (iy >= 0 && iy < s.height && ix >= 0 && ix < s.width) {
                        return load(base + (iy * s.width + ix) * cin + c)
                    }
                    return .zero
                }
                var c = 0
                while c < cin {
                    for j in 0..<6 {
                        let r = bt(d(0, j, c), d(1, j, c), d(2, j, c), d(3, j, c), d(4, j, c), d(5, j, c))
                        t[j] = r.0; t[6 + j] = r.1; t[12 + j] = r.2; t[18 + j] = r.3; t[24 + j] = r.4; t[30 + j] = r.5
                    }
                    for i in 0..<6 {
                        let row = t + 6 * i, o = out + 6 * i * cin + c
                        let r = bt(row[0], row[1], row[2], row[3], row[4], row[5])
                        store(r.0, o); store(r.1, o + cin); store(r.2, o + 2 * cin)
                        store(r.3, o + 3 * cin); store(r.4, o + 4 * cin); store(r.5, o + 5 * cin)
                    }
                    c += 8
                }
            }
        }
    }

    /// y's 4×4 output tiles for `tiles` from M[tile][p][c] (from `m` on), plus bias, through ReLU when `relu`;
    /// rows and columns past the image's edge are dropped.
    static func transformOutput(m: UnsafePointer<Float>, shape s: Shape, channels cout: Int, tiles: Range<Int>,
                                bias: UnsafePointer<Float>?, relu: Bool, y: UnsafeMutablePointer<Float>) {
        withUnsafeTemporaryAllocation(of: V8.self, capacity: 24) { buffer in
            let t = buffer.baseAddress!
            for tile in tiles {
                let (image, oy, ox) = s.origin(tile)
                let rows = min(4, s.height - oy), cols = min(4, s.width - ox)
                let src = m + (tile - tiles.lowerBound) * 36 * cout
                let base = y + image * s.height * s.width * cout
                var c = 0
                while c < cout {
                    for j in 0..<6 {
                        let col = src + j * cout + c
                        let r = at(load(col), load(col + 6 * cout), load(col + 12 * cout), load(col + 18 * cout),
                                   load(col + 24 * cout), load(col + 30 * cout))
                        t[j] = r.0; t[6 + j] = r.1; t[12 + j] = r.2; t[18 + j] = r.3
                    }
                    let b = bias.map { load($0 + c) } ?? .zero
                    for i in 0..<rows {
                        let row = t + 6 * i
                        let r = at(row[0], row[1], row[2], row[3], row[4], row[5])
                        let o = base + ((oy + i) * s.width + ox) * cout + c
                        var o0 = r.0 + b, o1 = r.1 + b, o2 = r.2 + b, o3 = r.3 + b
                        if relu {
                            o0.replace(with: 0, where: .!(o0 .> 0)); o1.replace(with: 0, where: .!(o1 .> 0))
                            o2.replace(with: 0, where: .!(o2 .> 0)); o3.replace(with: 0, where: .!(o3 .> 0))
                        }
                        store(o0, o)
                        if cols > 1 { store(o1, o + cout) }
                        if cols > 2 { store(o2, o + 2 * cout) }
                        if cols > 3 { store(o3, o + 3 * cout) }
                    }
                    c += 8
                }
            }
        }
    }
}
