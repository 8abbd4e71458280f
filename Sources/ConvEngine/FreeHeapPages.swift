import Foundation

/// Hands the heap's free pages back to the system (glibc's `malloc_trim(0)`: every arena, free pages inside it too),
/// where `MemoryPolicy` has turned glibc's own trimming off so that each forward pass reuses the last one's pages.
/// For moments when a burst of work is over: the kernels made at load, a long job in the window that has ended.
public enum FreeHeapPages {
    /// Returns whether any memory went back (false also where there is no `malloc_trim`).
    @discardableResult
    public static func release() -> Bool {
        // malloc_trim is in <malloc.h>, which the Glibc module leaves out.
        typealias Trim = @convention(c) (Int) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return false }
        return unsafeBitCast(symbol, to: Trim.self)(0) != 0
    }
}
