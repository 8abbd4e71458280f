/// Each channel's largest value in a feature map and where it first occurs (row-major: the smallest y, then x, among
/// equal maxima). One pass over the map, eight channels at a time.
enum ChannelMaxima {
    /// Scans pixels [start, end) of an NHWC map of `channels` channels into `best` and `at` (one per channel), which
    /// hold what earlier pixels gave (−∞ and 0 to begin). Only a strictly larger value moves a maximum, so the first
    /// pixel wins ties; NaN never wins.
    static func scan(
        _ x: UnsafePointer<Float>, channels c: Int, pixels range: Range<Int>,
        best: UnsafeMutablePointer<Float>, at: UnsafeMutablePointer<Int32>
    ) {
        // Pixel by pixel, so the map is read once, in order; the running maxima stay in L1.
        let vectors = c / 8
        let bestRaw = UnsafeMutableRawPointer(best)
        let atRaw = UnsafeMutableRawPointer(at)
        for p in range {
            let row = UnsafeRawPointer(x + p * c)
            let here = SIMD8<Int32>(repeating: Int32(truncatingIfNeeded: p))
            for v in 0..<vectors {
                let value = row.loadUnaligned(fromByteOffset: v * 32, as: SIMD8<Float>.self)
                var b = bestRaw.loadUnaligned(fromByteOffset: v * 32, as: SIMD8<Float>.self)
                let larger = value .> b
                guard any(larger) else { continue }
                b.replace(with: value, where: larger)
                var a = atRaw.loadUnaligned(fromByteOffset: v * 32, as: SIMD8<Int32>.self)
                a.replace(with: here, where: larger)
                bestRaw.storeBytes(of: b, toByteOffset: v * 32, as: SIMD8<Float>.self)
                atRaw.storeBytes(of: a, toByteOffset: v * 32, as: SIMD8<Int32>.self)
            }
            for ch in (vectors * 8)..<c where x[p * c + ch] > best[ch] {
                best[ch] = x[p * c + ch]
                at[ch] = Int32(truncatingIfNeeded: p)
            }
        }
    }

    /// Every channel's maximum and its first position for `n` maps of `pixels` × `channels` laid one after another,
    /// into `best` and `at` (n × channels each), each map's pixels split over `ways` threads.
    static func scan(
        _ x: UnsafePointer<Float>, count n: Int, pixels: Int, channels c: Int, ways: Int,
        best: UnsafeMutablePointer<Float>, at: UnsafeMutablePointer<Int32>
    ) {
        let parts = max(1, min(ways, pixels / 64))
        let partial = UnsafeMutablePointer<Float>.allocate(capacity: n * parts * c)
        let positions = UnsafeMutablePointer<Int32>.allocate(capacity: n * parts * c)
        defer {
            partial.deallocate()
            positions.deallocate()
        }
        partial.initialize(repeating: -.infinity, count: n * parts * c)
        positions.initialize(repeating: 0, count: n * parts * c)
        // Image-major chunks: chunk k is image k / parts, pixel share k % parts.
        Parallel.split(n * parts, ways: ways) { _, chunks in
            for k in chunks {
                let image = k / parts
                let share = k % parts
                let range = (pixels * share / parts)..<(pixels * (share + 1) / parts)
                scan(x + image * pixels * c, channels: c, pixels: range, best: partial + k * c, at: positions + k * c)
            }
        }
        // Shares in pixel order: a later share wins only with a strictly larger value, so the first position stays.
        for image in 0..<n {
            let out = image * c
            (best + out).update(from: partial + image * parts * c, count: c)
            (at + out).update(from: positions + image * parts * c, count: c)
            for share in 1..<max(parts, 1) {
                let k = (image * parts + share) * c
                for ch in 0..<c where partial[k + ch] > best[out + ch] {
                    best[out + ch] = partial[k + ch]
                    at[out + ch] = positions[k + ch]
                }
            }
        }
    }
}
