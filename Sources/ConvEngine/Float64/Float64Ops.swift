import COpenBLAS
import Foundation

/// The layers `Float64Pass` runs in float64, forward and backward side by side, one image at a time, NHWC. Weights
/// stay float32 in the model and are widened exactly as they are used (a layer's kernel at a time; fc1 in slices),
/// so the arithmetic is float64 throughout, as torch's `model.double()` computes it.
enum Float64Ops {
    /// Doubles of one slice of a dense kernel: 4 Mi doubles (32 MB), so fc1 (411 MB as floats) is never widened whole.
    static let denseSlice = 1 << 22

    // x (H,W,Cin) → y (OH,OW,Cout) = im2col(x)·kernel + bias; no activation. Rows split over `ways` threads.
    static func convolution(
        x: UnsafePointer<Double>, _ g: ConvGeneral.Geometry, kernel: [Double], bias: [Float]?,
        y: UnsafeMutablePointer<Double>, ways: Int
    ) {
        let k = g.kernelHeight * g.kernelWidth * g.inChannels
        let cout = g.outChannels
        kernel.withUnsafeBufferPointer { kp in
            patchChunks(g, ways: ways) { _, start, rows, cols in
                ConvGeneral.im2col(x: x, g, firstRow: start, rows: rows, cols: cols)
                let out = y + start * cout
                for r in 0..<rows {
                    for o in 0..<cout { out[r * cout + o] = bias.map { Double($0[o]) } ?? 0 }
                }
                cblas_dgemm(
                    CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rows), Int32(cout), Int32(k),
                    1, cols, Int32(k), kp.baseAddress!, Int32(cout), 1, out, Int32(cout))
            }
        }
    }

    // dy (OH,OW,Cout) = ∂L/∂(pre-activation) → dx (H,W,Cin), overwritten. Each thread scatters its rows into a dx
    // of its own (patches overlap), and the copies are summed.
    static func convolutionBackward(
        dy: UnsafePointer<Double>, _ g: ConvGeneral.Geometry, kernel: [Double], dx: UnsafeMutablePointer<Double>,
        ways: Int
    ) {
        let k = g.kernelHeight * g.kernelWidth * g.inChannels
        let cout = g.outChannels
        let inCount = g.inHeight * g.inWidth * g.inChannels
        var partial = [Double](repeating: 0, count: ways * inCount)
        partial.withUnsafeMutableBufferPointer { pp in
            kernel.withUnsafeBufferPointer { kp in
                patchChunks(g, ways: ways) { way, start, rows, cols in
                    cblas_dgemm(
                        CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(k), Int32(cout),
                        1, dy + start * cout, Int32(cout), kp.baseAddress!, Int32(cout), 0, cols, Int32(k))
                    ConvGeneral.col2im(cols: cols, g, firstRow: start, rows: rows, dx: pp.baseAddress! + way * inCount)
                }
            }
            for i in 0..<inCount {
                var s = 0.0
                for w in 0..<ways { s += pp[w * inCount + i] }
                dx[i] = s
            }
        }
    }

    /// Calls `body(thread, first row, rows, patch scratch)` over the output's pixels in chunks of
    /// `ConvGeneral.chunkRows`, split over `ways` threads, each with a (chunk, kh·kw·Cin) scratch of its own.
    private static func patchChunks(
        _ g: ConvGeneral.Geometry, ways: Int, _ body: (Int, Int, Int, UnsafeMutablePointer<Double>) -> Void
    ) {
        let pixels = g.outHeight * g.outWidth
        let chunk = min(ConvGeneral.chunkRows, (pixels + ways - 1) / ways)  // a thread's share, at most
        let perThread = chunk * g.kernelHeight * g.kernelWidth * g.inChannels
        let scratch = UnsafeMutablePointer<Double>.allocate(capacity: ways * perThread)  // every row written first
        defer { scratch.deallocate() }
        Parallel.split(pixels, ways: ways) { way, share in
            var start = share.lowerBound
            while start < share.upperBound {
                let rows = min(chunk, share.upperBound - start)
                body(way, start, rows, scratch + way * perThread)
                start += rows
            }
        }
    }

    /// y (outputs) += x[0..<rows] · the kernel rows at `kernelRows` (rows × outputs float32, all of the kernel or one
    /// chunk of a streamed one with x at its first row), widened a slice of rows at a time.
    static func addDense(
        x: UnsafePointer<Double>, kernelRows kernel: UnsafeBufferPointer<Float>, outputs: Int,
        y: UnsafeMutablePointer<Double>
    ) {
        slices(kernel, inputs: kernel.count / outputs, outputs: outputs) { first, rows, slice in
            cblas_dgemv(
                CblasRowMajor, CblasTrans, Int32(rows), Int32(outputs), 1, slice, Int32(outputs), x + first, 1, 1, y, 1)
        }
    }

    // dy (outputs) = ∂L/∂(pre-activation) → dx (inputs) = kernel·dy, overwritten.
    static func denseBackward(
        dy: UnsafePointer<Double>, kernel: UnsafeBufferPointer<Float>, inputs: Int, outputs: Int,
        dx: UnsafeMutablePointer<Double>
    ) {
        slices(kernel, inputs: inputs, outputs: outputs) { first, rows, slice in
            cblas_dgemv(
                CblasRowMajor, CblasNoTrans, Int32(rows), Int32(outputs), 1, slice, Int32(outputs), dy, 1, 0,
                dx + first, 1)
        }
    }

    /// Calls `body(first row, rows, the rows as doubles)` over the kernel's rows, `denseSlice` doubles at a time.
    private static func slices(
        _ k: UnsafeBufferPointer<Float>, inputs: Int, outputs: Int, _ body: (Int, Int, UnsafePointer<Double>) -> Void
    ) {
        let rowsPerSlice = max(1, denseSlice / max(outputs, 1))
        var slice = [Double](repeating: 0, count: min(inputs, rowsPerSlice) * outputs)
        slice.withUnsafeMutableBufferPointer { s in
            var first = 0
            while first < inputs {
                let rows = min(rowsPerSlice, inputs - first)
                for i in 0..<(rows * outputs) { s[i] = Double(k[first * outputs + i]) }
                body(first, rows, s.baseAddress!)
                first += rows
            }
        }
    }

    /// An activation in place.
    static func activate(_ a: Activation, _ v: UnsafeMutablePointer<Double>, count: Int) {
        switch a {
        case .linear: break
        case .relu: for i in 0..<count where !(v[i] > 0) { v[i] = 0 }
        case .leakyReLU(let alpha): for i in 0..<count where v[i] < 0 { v[i] *= Double(alpha) }
        case .sigmoid: for i in 0..<count { v[i] = 1 / (1 + exp(-v[i])) }
        case .tanh: for i in 0..<count { v[i] = Foundation.tanh(v[i]) }
        case .softmax: preconditionFailure("softmax is the model's output, not a layer")
        }
    }

    /// g = ∂L/∂y → ∂L/∂(pre-activation), in place, from the activation's output y; a ReLU by `rule` (as
    /// `ElementWise.backward`: guided passes g where y > 0 and g > 0, the deconvnet where g > 0).
    static func activationBackward(
        _ a: Activation, _ g: UnsafeMutablePointer<Double>, output y: UnsafePointer<Double>, count: Int,
        rule: ReLURule
    ) {
        switch a {
        case .linear: break
        case .relu:
            switch rule {
            case .plain: for i in 0..<count where !(y[i] > 0) { g[i] = 0 }
            case .guided: for i in 0..<count where !(y[i] > 0 && g[i] > 0) { g[i] = 0 }
            case .deconvnet: for i in 0..<count where !(g[i] > 0) { g[i] = 0 }
            }
        case .leakyReLU(let alpha): for i in 0..<count where !(y[i] > 0) { g[i] *= Double(alpha) }
        case .sigmoid: for i in 0..<count { g[i] *= y[i] * (1 - y[i]) }
        case .tanh: for i in 0..<count { g[i] *= 1 - y[i] * y[i] }
        case .softmax: preconditionFailure("softmax is the model's output, not a layer")
        }
    }
}
