import Foundation

/// A tensor's floats read straight from a model cache entry's pages (`mmap`, read-only, shared with the file cache):
/// no copy, no fresh zeroed memory, and one copy of the weights in the machine's memory however many windows run.
/// The entry is renamed into place whole and never written again (`ModelCache`), and the mapping holds its inode
/// after a removal. `drop` gives the pages back (they stay in the file cache, and come back on the next read).
final class FileMapping: @unchecked Sendable {
    /// The floats.
    let floats: UnsafeBufferPointer<Float>
    private let base: UnsafeMutableRawPointer
    private let length: Int

    /// `count` floats at byte `offset` of `file`, or nil when they cannot be mapped (an offset that is not a
    /// multiple of 4, a failed `mmap`): the caller reads them instead.
    init?(file: OpenFile, offset: Int, count: Int) {
        #if _endian(big)
            return nil  // the file's floats are little-endian
        #endif
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        guard count > 0, offset >= 0, offset % MemoryLayout<Float>.alignment == 0, page > 0 else { return nil }
        let start = offset / page * page
        let length = offset - start + count * MemoryLayout<Float>.stride
        guard let p = mmap(nil, length, PROT_READ, MAP_SHARED, file.fd, off_t(start)), p != MAP_FAILED else {
            return nil
        }
        base = p
        self.length = length
        let first = (p + (offset - start)).assumingMemoryBound(to: Float.self)
        floats = UnsafeBufferPointer(start: first, count: count)
    }

    /// Lets the process's pages of the mapping go (not the file's): resident memory falls by the tensor's size.
    func drop() { _ = madvise(base, length, MADV_DONTNEED) }

    /// Lets the pages holding floats `r` go (and the part of a page they share with a neighbour: it is read back).
    func drop(_ r: Range<Int>) {
        guard !r.isEmpty else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let first = UnsafeRawPointer(floats.baseAddress! + r.lowerBound) - UnsafeRawPointer(base)
        let end = UnsafeRawPointer(floats.baseAddress! + r.upperBound) - UnsafeRawPointer(base)
        let start = first / page * page
        let stop = min(length, (end + page - 1) / page * page)
        _ = madvise(base + start, stop - start, MADV_DONTNEED)
    }

    deinit { munmap(base, length) }
}
