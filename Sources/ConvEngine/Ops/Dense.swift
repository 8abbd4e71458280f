import COpenBLAS
import Foundation

/// Fully connected layer y = act(xᵀW + b) as `cblas_sgemv`, kernel in Keras's (in, out) row-major layout.
public enum Dense {
    /// x (in), kernel (in, out), bias (out) → y (out); ReLU when `relu`. Only the kernel rows of non-zero inputs are
    /// read (y = b + Σ x_i·W_i over x_i ≠ 0): the inputs come out of a ReLU, and the kernels are large enough
    /// (fc1: 411 MB) that memory bandwidth sets the pace. `ways` > 1 splits the rows over that many threads, each
    /// summing into its own buffer.
    public static func forward(
        x: UnsafePointer<Float>, kernel: UnsafePointer<Float>, bias: UnsafePointer<Float>,
        inputs: Int, outputs: Int, relu: Bool, y: UnsafeMutablePointer<Float>, ways: Int = 1
    ) {
        let rows = (0..<inputs).filter { x[$0] != 0 }
        let w = max(1, min(ways, rows.count / 256))
        var partial = [Float](repeating: 0, count: w * outputs)
        partial.withUnsafeMutableBufferPointer { part in
            Parallel.split(rows.count, ways: w) { way, share in
                let sum = part.baseAddress! + way * outputs
                for r in share { cblas_saxpy(Int32(outputs), x[rows[r]], kernel + rows[r] * outputs, 1, sum, 1) }
            }
        }
        for j in 0..<outputs {
            var v = bias[j]
            for way in 0..<w { v += partial[way * outputs + j] }
            y[j] = relu ? max(v, 0) : v
        }
    }

    /// x (n, in), kernel (in, out), bias (out) → y (n, out) as one `cblas_sgemm` per thread, each over its share of
    /// the outputs: the kernel is read once for the whole batch (Score-CAM, Ablation-CAM, the scoreboard run batches
    /// of 16; fc1 alone is 411 MB), by every thread at once.
    public static func forwardBatch(
        x: UnsafePointer<Float>, batch n: Int, kernel: UnsafePointer<Float>,
        bias: UnsafePointer<Float>, inputs: Int, outputs: Int, relu: Bool,
        y: UnsafeMutablePointer<Float>, ways: Int = 1
    ) {
        for b in 0..<n { (y + b * outputs).update(from: bias, count: outputs) }
        // Shares of whole 64-column blocks, so each thread's GEMM keeps its panels aligned.
        let blocks = (outputs + 63) / 64
        Parallel.split(blocks, ways: max(1, min(ways, blocks))) { _, share in
            let first = share.lowerBound * 64
            let columns = min(share.upperBound * 64, outputs) - first
            cblas_sgemm(
                CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(columns), Int32(inputs), 1, x,
                Int32(inputs), kernel + first, Int32(outputs), 1, y + first, Int32(outputs))
        }
        if relu { for j in 0..<(n * outputs) where y[j] < 0 { y[j] = 0 } }
    }

    /// Rows of a kernel read per chunk when it is streamed (fc1: 1024 rows of 4096 = 16 MiB).
    nonisolated(unsafe) public static var streamRows = 1024

    /// y (n, out) += x[:, rows] · kernel[rows, :] for the kernel's `rows` at `kernelRows` (one chunk of a streamed
    /// kernel); `ways` threads, each over its share of whole 64-column blocks as in `forwardBatch`.
    public static func addBatchRows(
        x: UnsafePointer<Float>, batch n: Int, rows: Range<Int>, kernelRows: UnsafePointer<Float>, inputs: Int,
        outputs: Int, y: UnsafeMutablePointer<Float>, ways: Int = 1
    ) {
        guard !rows.isEmpty else { return }
        let blocks = (outputs + 63) / 64
        Parallel.split(blocks, ways: max(1, min(ways, blocks))) { _, share in
            let first = share.lowerBound * 64
            let columns = min(share.upperBound * 64, outputs) - first
            cblas_sgemm(
                CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(columns), Int32(rows.count), 1,
                x + rows.lowerBound, Int32(inputs), kernelRows + first, Int32(outputs), 1, y + first, Int32(outputs))
        }
    }

    /// dy (out) = ∂L/∂(pre-activation), kernel (in, out) → dx (in) = kernel · dy; `ways` splits the rows. With
    /// `onlyWhereNonZero` (the layer's input x), only the rows where x ≠ 0 are read and the others of dx are 0.
    public static func backwardInput(
        dy: UnsafePointer<Float>, kernel: UnsafePointer<Float>, inputs: Int, outputs: Int,
        dx: UnsafeMutablePointer<Float>, onlyWhereNonZero x: UnsafePointer<Float>? = nil,
        ways: Int = 1
    ) {
        if let x {
            let rows = (0..<inputs).filter { x[$0] != 0 }
            dx.update(repeating: 0, count: inputs)
            Parallel.split(rows.count, ways: max(1, min(ways, rows.count / 256))) { _, share in
                for r in share { dx[rows[r]] = cblas_sdot(Int32(outputs), kernel + rows[r] * outputs, 1, dy, 1) }
            }
            return
        }
        Parallel.split(inputs, ways: max(1, min(ways, inputs / 1024))) { _, rows in
            cblas_sgemv(
                CblasRowMajor, CblasNoTrans, Int32(rows.count), Int32(outputs), 1, kernel + rows.lowerBound * outputs,
                Int32(outputs), dy, 1, 0, dx + rows.lowerBound, 1)
        }
    }
}

/// Softmax and its backward for one score: ∂p_c/∂z_j = p_c(δ_cj − p_j).
public enum Softmax {
    public static func forward(_ z: [Float]) -> [Float] {
        let m = z.max() ?? 0
        var e = z.map { Float(exp(Double($0 - m))) }
        let s = e.reduce(0, +)
        for i in e.indices { e[i] /= s }
        return e
    }

    /// Gradient of p[c] with respect to the logits.
    public static func gradientOfProbability(_ p: [Float], classIndex c: Int) -> [Float] {
        p.indices.map { j in p[c] * ((j == c ? 1 : 0) - p[j]) }
    }
}
