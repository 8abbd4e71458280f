import Glibc

/// glibc hands every allocation over its dynamic threshold (up to 32 MB) straight to mmap and back to the kernel
/// when freed, so each image's ~60 MB of activations page-faults afresh: about 11,000 faults per forward pass
/// (`perf stat -e page-faults` on `convscope bench`: 925k faults for 60 passes, 238k with this).
/// Keeping allocations up to 32 MB on the heap and never trimming it makes each pass reuse the last one's pages.
/// Weights (hundreds of MB per tensor) still get their own mappings and go back to the system when replaced.
enum MemoryPolicy {
    static func keepActivationPagesMapped() {
        // mallopt is in <malloc.h>, which the Glibc module leaves out; its parameter numbers are glibc's ABI.
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
        let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
        let trimThreshold: Int32 = -1, mmapThreshold: Int32 = -3
        _ = mallopt(mmapThreshold, 32 << 20)
        _ = mallopt(trimThreshold, Int32.max)
    }
}
