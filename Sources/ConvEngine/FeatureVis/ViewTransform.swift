import Foundation

/// One random view of an image (Lucid's transformation robustness): scaled by `scale` and turned by `angle` about
/// the centre, moved by (dx, dy) pixels, sampled bilinearly at the same size; what falls outside the image is `fill`
/// (gray). An image whose feature survives every such view cannot rely on single-pixel patterns, the high-frequency
/// noise plain ascent grows.
public struct ViewTransform: Equatable, Sendable {
    public var scale: Float = 1, angle: Float = 0, dx: Float = 0, dy: Float = 0

    public init(scale: Float = 1, angle: Float = 0, dx: Float = 0, dy: Float = 0) {
        self.scale = scale
        self.angle = angle
        self.dx = dx
        self.dy = dy
    }

    public static let identity = ViewTransform()

    /// A random view as Lucid draws them: a scale from 11 steps across 1 ± `spread`, an angle from a whole degree
    /// in ±`degrees` (the unturned view five times likelier), a shift of a whole pixel up to `jitter` each way.
    static func random(_ rng: inout SplitMix64, jitter: Int, spread: Float, degrees: Int) -> ViewTransform {
        func pick(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }
        let scale = 1 + spread * Float(pick(11) - 5) / 5
        let turn = pick(2 * degrees + 1 + 5 * (degrees > 0 ? 1 : 0))
        let angle = turn <= 2 * degrees ? Float(turn - degrees) * .pi / 180 : 0
        let dx = Float(pick(2 * jitter + 1) - jitter)
        let dy = Float(pick(2 * jitter + 1) - jitter)
        return ViewTransform(scale: scale, angle: angle, dx: dx, dy: dy)
    }

    /// For each output pixel: its four source taps (index into the image's pixels, or −1 outside) and weights.
    private func eachTap(side: Int, _ body: (Int, (Int, Int, Int, Int), (Float, Float, Float, Float)) -> Void) {
        let c = Float(side - 1) / 2
        let cosA = cos(angle) / scale
        let sinA = sin(angle) / scale
        for v in 0..<side {
            for u in 0..<side {
                // Source point: the inverse of out = c + scale·R(angle)·(in − c) + shift.
                let x = Float(u) - c - dx
                let y = Float(v) - c - dy
                let sx = c + cosA * x + sinA * y
                let sy = c - sinA * x + cosA * y
                let x0 = Int(sx.rounded(.down))
                let y0 = Int(sy.rounded(.down))
                let fx = sx - Float(x0)
                let fy = sy - Float(y0)
                func at(_ px: Int, _ py: Int) -> Int {
                    px >= 0 && px < side && py >= 0 && py < side ? py * side + px : -1
                }
                body(
                    v * side + u, (at(x0, y0), at(x0 + 1, y0), at(x0, y0 + 1), at(x0 + 1, y0 + 1)),
                    ((1 - fx) * (1 - fy), fx * (1 - fy), (1 - fx) * fy, fx * fy))
            }
        }
    }

    /// `image` (side, side, 3) → its view in `out`; taps outside the image read `fill`.
    public func apply(_ image: UnsafePointer<Float>, side: Int, fill: Float, into out: UnsafeMutablePointer<Float>) {
        if self == .identity {
            out.update(from: image, count: side * side * 3)
            return
        }
        eachTap(side: side) { o, taps, w in
            for ch in 0..<3 {
                func read(_ t: Int) -> Float { t < 0 ? fill : image[3 * t + ch] }
                out[3 * o + ch] = w.0 * read(taps.0) + w.1 * read(taps.1) + w.2 * read(taps.2) + w.3 * read(taps.3)
            }
        }
    }

    /// The adjoint: ∂L/∂view → ∂L/∂image (overwritten), each output's gradient spread back over its taps.
    public func adjoint(_ viewGradient: UnsafePointer<Float>, side: Int, into g: UnsafeMutablePointer<Float>) {
        if self == .identity {
            g.update(from: viewGradient, count: side * side * 3)
            return
        }
        g.update(repeating: 0, count: side * side * 3)
        eachTap(side: side) { o, taps, w in
            for ch in 0..<3 {
                let d = viewGradient[3 * o + ch]
                if taps.0 >= 0 { g[3 * taps.0 + ch] += w.0 * d }
                if taps.1 >= 0 { g[3 * taps.1 + ch] += w.1 * d }
                if taps.2 >= 0 { g[3 * taps.2 + ch] += w.2 * d }
                if taps.3 >= 0 { g[3 * taps.3 + ch] += w.3 * d }
            }
        }
    }
}
