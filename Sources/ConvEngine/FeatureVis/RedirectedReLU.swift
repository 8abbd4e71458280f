/// A ReLU's backward pass with Lucid's redirection (Olah et al. 2017): for an image where the ReLU passes no
/// gradient at all (every unit the objective asks for is dead on it), the gradient is let through wherever it does
/// not push a dead unit further down. Without it a filter dead on the start image never gets a gradient; the
/// redirection is used for the first steps only, until the image has woken it.
enum RedirectedReLU {
    /// g = ∂objective/∂y of `images` images, `count` floats each, in place → ∂objective/∂(pre-activation); y the
    /// ReLU's output. With `redirect` false it is the plain rule (zero where y ≤ 0).
    static func backward(
        _ g: UnsafeMutablePointer<Float>, output y: UnsafePointer<Float>, images: Int, count: Int,
        redirect: Bool
    ) {
        for b in 0..<images {
            let gb = g + b * count
            let yb = y + b * count
            var passes = false
            if redirect {
                for i in 0..<count where yb[i] > 0 && gb[i] != 0 {
                    passes = true
                    break
                }
            }
            // Ascending: a positive gradient raises the unit; a negative one on a dead unit would push it lower.
            mask(gb, yb, count: count, keepRising: redirect && !passes)
        }
    }

    /// g = 0 where y ≤ 0 (and, with `keepRising`, g ≤ 0), sixteen at a time.
    private static func mask(_ g: UnsafeMutablePointer<Float>, _ y: UnsafePointer<Float>, count: Int, keepRising: Bool)
    {
        typealias V = SIMD16<Float>
        let zero = V(repeating: 0)
        let whole = count / 16 * 16
        var i = 0
        while i < whole {
            let gv = UnsafeRawPointer(g + i).loadUnaligned(as: V.self)
            let yv = UnsafeRawPointer(y + i).loadUnaligned(as: V.self)
            var keep = yv .> zero
            if keepRising { keep = keep .| (gv .> zero) }
            UnsafeMutableRawPointer(g + i).storeBytes(of: zero.replacing(with: gv, where: keep), as: V.self)
            i += 16
        }
        while i < count {
            g[i] = y[i] > 0 || (keepRising && g[i] > 0) ? g[i] : 0
            i += 1
        }
    }
}
