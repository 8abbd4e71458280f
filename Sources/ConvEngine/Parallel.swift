import COpenBLAS
import Dispatch
import Foundation

/// How the engine uses the cores: it splits its own work (Winograd phases, im2col rows, dense rows, lanes) over
/// threads and keeps OpenBLAS on the calling thread. OpenBLAS's own threads spin after each call and would steal
/// the core the engine's other thread needs.
public enum Parallel {
    /// Threads the engine splits a pass over.
    public static let cores = min(8, max(1, ProcessInfo.processInfo.activeProcessorCount))

    /// Makes every later OpenBLAS call run on its calling thread (idempotent).
    public static func useSingleThreadedBLAS() { _ = singleThreaded }
    private static let singleThreaded: Void = openblas_set_num_threads(1)

    /// Runs `body(share, range)` over `0..<n` cut into `ways` contiguous ranges, side by side (in place when
    /// `ways` ≤ 1); `share` numbers the range from 0, for per-thread buffers.
    @inline(__always) public static func split(_ n: Int, ways: Int, _ body: (Int, Range<Int>) -> Void) {
        let w = min(ways, n)
        if w <= 1 { body(0, 0..<n); return }
        DispatchQueue.concurrentPerform(iterations: w) { i in body(i, (n * i / w)..<(n * (i + 1) / w)) }
    }
}
