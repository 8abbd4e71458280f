import CKernels
import COpenBLAS

/// ∂L/∂x of a 3×3 'same' convolution by the adjoint of `Winograd.forward` (no bias or ReLU: dy is taken past them),
/// with the forward kernel U itself, so no second, flipped kernel set is made. Forward, per tile, Y = Aᵀ M A,
/// M_p = V_p · U_p and V = Bᵀ d B; backward, per 4×4 tile of dy, M̄ = A Ȳ Aᵀ, then V̄_p = M̄_p · U_pᵀ, then
/// D̄ = B V̄ Bᵀ added into dx at the tile's 6×6 input window. In exact arithmetic this is the transposed convolution.
extension Winograd {
    /// dy (N,H,W,Cout) = ∂L/∂(pre-activation), forward kernel U (36,Cin,Cout) → dx (N,H,W,Cin) (overwritten), with
    /// `scratchCount(…)` floats of scratch (the same as the forward pass). `ways` > 1 splits every phase; tiles whose
    /// windows overlap (neighbouring tile rows) are never added into dx side by side.
    public static func backwardInput(
        dy: UnsafePointer<Float>, batch: Int = 1, height: Int, width: Int, kernel: WinogradKernel,
        dx: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>, scratchCount: Int, ways: Int = 1
    ) {
        let cin = kernel.inChannels
        let cout = kernel.outChannels
        let shape = Shape(height: height, width: width)
        let tiles = shape.tiles(batch: batch)
        let perTile = 36 * (cin + cout)
        precondition(scratchCount >= perTile, "Winograd scratch smaller than one tile")
        let (h, w) = (Int32(height), Int32(width))
        if kernel.isPacked, 36 * cin * cout <= pipelineKernelFloats, scratchCount >= max(1, ways) * perTile {
            // Each thread takes a run of whole tile rows through all three phases, `step` tiles at a time; the runs
            // of one phase are a tile row apart. These small kernels (4 MB at most) are packed transposed for the
            // call when Cin fits the panels: the engine's GEMM over them beats dot products over Cout's few lanes.
            let step = min(pipelineTiles, scratchCount / (max(1, ways) * perTile))
            let runs = rowRuns(0..<tiles, tilesX: shape.tilesX, pieces: 2 * max(1, ways))
            // Uᵀ in the scratch beyond the threads' shares where it fits (no fresh pages to fault in), else its own.
            let shares = max(1, ways) * step * perTile
            let own = scratchCount < shares + 36 * cin * cout
            let transposed =
                cin % Int(cs_wino_panel_width()) == 0
                ? packedTransposed(kernel, into: own ? nil : scratch + shares) : nil
            kernel.u.withUnsafeBufferPointer { u in
                for phase in 0..<2 {
                    let mine = Array(stride(from: phase, to: runs.count, by: 2))
                    Parallel.split(mine.count, ways: ways) { way, r in
                        let mbar = scratch + way * step * perTile
                        let vbar = mbar + step * 36 * cout
                        for i in mine[r] {
                            let run = runs[i]
                            if phase == 0 {
                                let rows = zeroedRows(runs, i, shape, batch: batch)
                                let pixels = width * cin
                                (dx + rows.lowerBound * pixels).update(repeating: 0, count: rows.count * pixels)
                            }
                            var t = run.lowerBound
                            while t < run.upperBound {
                                let n = min(step, run.upperBound - t)
                                cs_wino_output_adjoint(dy, h, w, Int32(cout), t, t + n, mbar)
                                if let transposed {
                                    cs_wino_gemm(mbar, transposed, n, Int32(cout), Int32(cin), 0, 36, vbar)
                                } else {
                                    cs_wino_gemm_transposed(
                                        mbar, u.baseAddress!, n, Int32(cin), Int32(cout), 0, 36, vbar)
                                }
                                cs_wino_input_adjoint(vbar, h, w, Int32(cin), t, t + n, dx)
                                t += n
                            }
                        }
                    }
                }
            }
            if own { transposed?.deallocate() }
            return
        }
        let total = batch * height * width * cin
        Parallel.split(total, ways: total >= 1 << 20 ? ways : 1) { _, r in  // each split is a wait for every thread
            (dx + r.lowerBound).update(repeating: 0, count: r.count)
        }
        let chunk = min(chunkTiles(tiles: tiles, inChannels: cin, outChannels: cout), scratchCount / perTile)
        let mbar = scratch
        let vbar = scratch + chunk * 36 * cout
        var start = 0
        while start < tiles {
            let count = min(chunk, tiles - start)
            let first = start
            Parallel.split(count, ways: ways) { _, r in
                cs_wino_output_adjoint(
                    dy, h, w, Int32(cout), first + r.lowerBound, first + r.upperBound, mbar + r.lowerBound * 36 * cout)
            }
            products(mbar, kernel, count: count, adjoint: true, ways: ways, vbar)
            let runs = rowRuns(first..<(first + count), tilesX: shape.tilesX, pieces: 2 * max(1, ways))
            for phase in 0..<2 {
                let mine = Array(stride(from: phase, to: runs.count, by: 2).map { runs[$0] })
                Parallel.split(mine.count, ways: ways) { _, r in
                    for run in mine[r] {
                        cs_wino_input_adjoint(
                            vbar + (run.lowerBound - first) * 36 * cin, h, w, Int32(cin), run.lowerBound,
                            run.upperBound, dx)
                    }
                }
            }
            start += count
        }
    }

    /// U_pᵀ of a packed kernel, packed for `cs_wino_gemm` (Cout rows, Cin columns), on the calling thread (0.1 ms
    /// for 128 → 128 channels: less than making the threads wait for each other once more), into `buffer`, or memory
    /// of its own (nil) that the caller deallocates.
    private static func packedTransposed(
        _ kernel: WinogradKernel, into buffer: UnsafeMutablePointer<Float>?
    ) -> UnsafeMutablePointer<Float> {
        let (cin, cout) = (kernel.inChannels, kernel.outChannels)
        let out = buffer ?? UnsafeMutablePointer<Float>.allocate(capacity: 36 * cin * cout)
        kernel.u.withUnsafeBufferPointer { u in
            cs_wino_pack_transposed(u.baseAddress!, Int32(cin), Int32(cout), 0, 36, out)
        }
        return out
    }

    /// The pixel rows (image · height + row) the even run `i` of `runs` (all the tiles, cut at row starts) zeroes
    /// before it adds into them, so that dx is zeroed without a pass of its own: its own rows, the row above them (the
    /// odd run before's last, which its windows reach, unless an image starts there), and the odd run after's rows
    /// but the last when the even run after that reaches it. Every row is zeroed once, before any run adds into it.
    static func zeroedRows(_ runs: [Range<Int>], _ i: Int, _ shape: Shape, batch: Int) -> Range<Int> {
        let perImage = shape.tilesY * shape.tilesX
        func row(_ t: Int) -> Int { t / perImage * shape.height + t % perImage / shape.tilesX * 4 }
        func startsImage(_ t: Int) -> Bool { t % perImage == 0 }
        let lo = row(runs[i].lowerBound) - (startsImage(runs[i].lowerBound) ? 0 : 1)
        guard i + 1 < runs.count else { return lo..<row(runs[i].upperBound) }
        let end = row(runs[i + 1].upperBound)
        return lo..<(i + 2 < runs.count && !startsImage(runs[i + 2].lowerBound) ? end - 1 : end)
    }

    /// `tiles` cut only where a tile row starts into at most `pieces` runs of about equal length. Runs two apart
    /// have a whole tile row between them, so their 6×6 windows (which reach one pixel into the rows beside a
    /// tile's) never share a pixel of dx: the even runs can add into dx side by side, then the odd ones.
    static func rowRuns(_ tiles: Range<Int>, tilesX: Int, pieces: Int) -> [Range<Int>] {
        var cuts = [tiles.lowerBound]
        for s in stride(from: 1, to: pieces, by: 1) {
            let target = tiles.lowerBound + tiles.count * s / pieces
            let snapped = (target + tilesX / 2) / tilesX * tilesX
            if snapped > cuts.last!, snapped < tiles.upperBound { cuts.append(snapped) }
        }
        cuts.append(tiles.upperBound)
        return zip(cuts, cuts.dropFirst()).map { $0..<$1 }
    }
}
