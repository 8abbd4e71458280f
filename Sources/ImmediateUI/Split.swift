/// How much of a line one cell of `Rect.columns(_:spacing:)` or
/// `Rect.rows(_:spacing:)` takes.
///
/// Lengths are resolved in order of precedence: `fixed` cells first, then
/// `fraction`s of what the fixed cells and the spacing leave (each clamped to
/// its `min`…`max`), then `fill` cells share what remains equally, each at
/// least its `min`. When that overflows the line (the minimums don't fit),
/// the fractions and fills shrink proportionally, below their minimums if
/// need be; only when the fixed cells alone don't fit do they shrink too,
/// proportionally. Nothing goes below 0 and cells never overlap.
public enum Size: Hashable, Sendable {
    /// Exactly this many units (shrunk only if the fixed cells alone overflow).
    case fixed(Float)
    /// This fraction (0…1) of the length the fixed cells leave, clamped to `min`…`max`.
    case fraction(Float, min: Float = 0, max: Float = .infinity)
    /// An equal share of what the others leave, at least `min`.
    case fill(min: Float = 0)

    /// The unrounded lengths of `sizes` along a line of `total` units with
    /// `spacing` between neighbours, and the spacing actually used (less than
    /// `spacing` only when the gaps alone don't fit).
    public static func lengths(_ sizes: [Size], total: Float, spacing: Float) -> (lengths: [Float], spacing: Float) {
        let n = sizes.count
        guard n > 0 else { return ([], 0) }
        func clean(_ v: Float) -> Float { v.isFinite ? Swift.max(0, v) : 0 }
        let total = clean(total)
        var gap = clean(spacing)
        if n > 1, gap * Float(n - 1) > total { gap = total / Float(n - 1) }
        let available = Swift.max(0, total - gap * Float(n - 1))

        var out = [Float](repeating: 0, count: n)
        var fixedSum: Float = 0
        for (i, s) in sizes.enumerated() {
            if case .fixed(let v) = s {
                out[i] = clean(v)
                fixedSum += out[i]
            }
        }
        let rest = Swift.max(0, available - fixedSum)
        var flexSum: Float = 0
        for (i, s) in sizes.enumerated() {
            if case .fraction(let f, let lo, let hi) = s {
                let lo = clean(lo), hi = hi.isNaN ? Float.infinity : Swift.max(0, hi)
                out[i] = Swift.max(lo, Swift.min(clean(f) * rest, hi))
                flexSum += out[i]
            }
        }
        // Fills: an equal share of what is left; a fill whose minimum exceeds
        // the share takes its minimum and the share is worked out again.
        var fills: [(index: Int, min: Float, pinned: Bool)] = []
        for (i, s) in sizes.enumerated() { if case .fill(let lo) = s { fills.append((i, clean(lo), false)) } }
        if !fills.isEmpty {
            let left = rest - flexSum
            var share: Float = 0
            while true {
                var pinnedSum: Float = 0, free = 0
                for f in fills { if f.pinned { pinnedSum += f.min } else { free += 1 } }
                guard free > 0 else { break }
                share = (left - pinnedSum) / Float(free)
                var changed = false
                for k in fills.indices where !fills[k].pinned && fills[k].min > share {
                    fills[k].pinned = true
                    changed = true
                }
                if !changed { break }
            }
            for f in fills {
                out[f.index] = f.pinned ? f.min : Swift.max(0, share)
                flexSum += out[f.index]
            }
        }
        // Overflow: shrink the flexible cells first, then the fixed ones.
        if fixedSum + flexSum > available {
            let flexRoom = available - fixedSum
            for (i, s) in sizes.enumerated() {
                if case .fixed = s {
                    if flexRoom < 0 { out[i] *= fixedSum > 0 ? available / fixedSum : 0 }
                } else {
                    out[i] = flexRoom > 0 && flexSum > 0 ? out[i] * (flexRoom / flexSum) : 0
                }
            }
        }
        return (out, gap)
    }

    /// Whole-unit spans (start, length) along a line from `origin`: each edge
    /// is rounded, so neighbours are exactly `spacing` apart when it is whole.
    static func spans(_ sizes: [Size], origin: Float, total: Float, spacing: Float) -> [(start: Float, length: Float)] {
        let (lengths, gap) = lengths(sizes, total: total, spacing: spacing)
        var spans: [(start: Float, length: Float)] = []
        spans.reserveCapacity(lengths.count)
        // Cells that reach the end of the line end exactly there, whatever the float error.
        let end = origin + (total.isFinite ? Swift.max(0, total) : 0), tolerance = Swift.max(1e-3, abs(end) * 1e-6)
        var pos = origin
        for l in lengths {
            let e = pos + l
            let a = pos.rounded(), b = (abs(e - end) <= tolerance ? end : e).rounded()
            spans.append((a, Swift.max(0, b - a)))
            pos += l + gap
        }
        return spans
    }
}

extension Rect {
    /// Cuts the rect left to right into cells of `sizes` (see `Size`), `spacing`
    /// apart, each the rect's full height. Edges fall on whole units.
    ///
    ///     let panes = body.columns([.fraction(0.24, min: 280, max: 440), .fill(min: 380), .fixed(320)], spacing: 8)
    public func columns(_ sizes: [Size], spacing: Float = 0) -> [Rect] {
        Size.spans(sizes, origin: x, total: w, spacing: spacing).map { Rect($0.start, y, $0.length, h) }
    }

    /// Cuts the rect top to bottom into cells of `sizes` (see `Size`), `spacing`
    /// apart, each the rect's full width. Edges fall on whole units.
    public func rows(_ sizes: [Size], spacing: Float = 0) -> [Rect] {
        Size.spans(sizes, origin: y, total: h, spacing: spacing).map { Rect(x, $0.start, w, $0.length) }
    }

    /// Shrinks by `d` on every side (never below zero size).
    public func inset(by d: Float) -> Rect { inset(by: Vec2(d, d)) }

    /// Shrinks by a different amount on each side (never below zero size).
    public func inset(top: Float = 0, left: Float = 0, bottom: Float = 0, right: Float = 0) -> Rect {
        Rect(x + left, y + top, Swift.max(0, w - left - right), Swift.max(0, h - top - bottom))
    }

    /// A band `top` units tall at the top, and what lies below it after `spacing`.
    public func split(top: Float, spacing: Float = 0) -> (top: Rect, rest: Rect) {
        let a = Swift.min(Swift.max(0, top), h), gap = Swift.min(Swift.max(0, spacing), h - a)
        return (Rect(x, y, w, a), Rect(x, y + a + gap, w, h - a - gap))
    }

    /// A band `bottom` units tall at the bottom, and what lies above it before `spacing`.
    public func split(bottom: Float, spacing: Float = 0) -> (bottom: Rect, rest: Rect) {
        let a = Swift.min(Swift.max(0, bottom), h), gap = Swift.min(Swift.max(0, spacing), h - a)
        return (Rect(x, maxY - a, w, a), Rect(x, y, w, h - a - gap))
    }

    /// A band `left` units wide at the left, and what lies right of it after `spacing`.
    public func split(left: Float, spacing: Float = 0) -> (left: Rect, rest: Rect) {
        let a = Swift.min(Swift.max(0, left), w), gap = Swift.min(Swift.max(0, spacing), w - a)
        return (Rect(x, y, a, h), Rect(x + a + gap, y, w - a - gap, h))
    }

    /// A band `right` units wide at the right, and what lies left of it before `spacing`.
    public func split(right: Float, spacing: Float = 0) -> (right: Rect, rest: Rect) {
        let a = Swift.min(Swift.max(0, right), w), gap = Swift.min(Swift.max(0, spacing), w - a)
        return (Rect(maxX - a, y, a, h), Rect(x, y, w - a - gap, h))
    }
}
