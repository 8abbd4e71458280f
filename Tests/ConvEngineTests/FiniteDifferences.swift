/// Central finite differences of a scalar function of Float inputs, compared with an analytic gradient.
/// Piecewise-linear networks have kinks (ReLU on/off, which input a max-pool picks). `f` returns the value and the
/// activation pattern it ran with; a coordinate whose ±eps runs change the pattern straddles a kink, is skipped and
/// counted, so the caller can assert that few were. Within one pattern the difference is exact up to rounding.
struct FiniteDifferences {
    var maxError: Double = 0  // max |numeric − analytic| / max |analytic|
    var checked = 0
    var skipped = 0

    init(
        x: [Float], analytic: [Float], coordinates: [Int]? = nil, eps: Float,
        f: ([Float]) -> (value: Double, pattern: [Int32])
    ) {
        precondition(x.count == analytic.count)
        let scale = max(analytic.reduce(0) { max($0, Double(abs($1))) }, 1e-30)
        let pattern = f(x).pattern
        var v = x
        for j in coordinates ?? Array(x.indices) {
            v[j] = x[j] + eps
            let plus = f(v)
            v[j] = x[j] - eps
            let minus = f(v)
            v[j] = x[j]
            if plus.pattern != pattern || minus.pattern != pattern {
                skipped += 1
                continue
            }
            let numeric = (plus.value - minus.value) / (2 * Double(eps))
            maxError = max(maxError, abs(numeric - Double(analytic[j])) / scale)
            checked += 1
        }
    }

    /// For smooth functions (or ones the caller keeps away from kinks).
    init(x: [Float], analytic: [Float], coordinates: [Int]? = nil, eps: Float, f: ([Float]) -> Double) {
        self.init(x: x, analytic: analytic, coordinates: coordinates, eps: eps) { (f($0), []) }
    }
}
