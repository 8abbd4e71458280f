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

    /// `(0..<n).map(transform)`, the indices dealt in turn to `ways` threads (for jobs whose cost falls along the
    /// list, as a network's maps shrink layer by layer).
    public static func map<T>(_ n: Int, ways: Int = cores, _ transform: (Int) -> T) -> [T] {
        var out = [T?](repeating: nil, count: n)
        out.withUnsafeMutableBufferPointer { p in
            let w = max(1, min(ways, n))
            split(w, ways: w) { share, _ in
                for i in stride(from: share, to: n, by: w) { p[i] = transform(i) }
            }
        }
        return out.map { $0! }
    }
}
