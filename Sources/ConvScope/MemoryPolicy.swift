import Glibc

/// glibc hands every allocation over its dynamic threshold (up to 32 MB) straight to mmap and back to the kernel
/// when freed, so each image's ~60 MB of activations page-faults afresh: about 11,000 faults per forward pass
/// (`perf stat -e page-faults` on `convscope bench`: 925k faults for 60 passes, 238k with this).
/// Keeping allocations up to 32 MB on the heap and never trimming it makes each pass reuse the last one's pages.
/// Weights (hundreds of MB per tensor) still get their own mappings and go back to the system when replaced.
/// What a long job frees goes back when the window's engine goes idle after it (`IdleHeapTrim`). Two heaps (arenas)
/// at most, not glibc's eight per core: every thread that allocates (the engine's queue runs on whichever worker
/// thread is free, the index, the crops, the exports, the UI) otherwise gets a heap of its own, each keeping its
/// high-water mark of freed pages (a 3,000-event soak: 14 heaps of 40–65 MB and one of 630 MB, peak 1,823 MB; with
/// two, 1,490 MB); `convscope bench` is no slower with two (forward pass and Grad-CAM within run-to-run noise).
enum MemoryPolicy {
    /// The window's resident set over which the heap's free pages go back after any engine or dossier item
    /// (`IdleHeapTrim.Budget`): under the speed issue's 1.0 GB (954 MiB) with room for one item's own buffers and
    /// another queue's beside it (at 880 MiB, a 30,000-event soak peaked at 984 MiB: trims left 857 MiB live
    /// during the sanity check's trained maps beside a dossier, and items added their buffers on top).
    static let windowBudgetKiB = 800 * 1024

    static func keepActivationPagesMapped() {
        // mallopt is in <malloc.h>, which the Glibc module leaves out; its parameter numbers are glibc's ABI.
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
        let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
        let trimThreshold: Int32 = -1
        let mmapThreshold: Int32 = -3
        let arenaMax: Int32 = -8
        _ = mallopt(mmapThreshold, 32 << 20)
        _ = mallopt(trimThreshold, Int32.max)
        _ = mallopt(arenaMax, 2)
    }

    /// The process's resident set now (VmRSS), in KiB; 0 where /proc cannot be read.
    static func residentKiB() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
        }
        return 0
    }
}
