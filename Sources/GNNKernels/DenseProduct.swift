import COpenBLAS

/// Dense products through OpenBLAS `cblas_sgemm`, in PyTorch's weight layout.
public enum Dense {
    /// `out[r, :] = x[r, :] · Wᵀ + bias` for `rows` rows: `x` is rows × inDim, `weight` is outDim × inDim
    /// (as `torch.nn.Linear` stores it), `out` is rows × outDim; all row-major and contiguous.
    /// With `accumulate`, adds to `out` instead of overwriting it.
    ///
    /// Memory: reads x and W, writes out once. Rows are split into fixed blocks (one sgemm call each) so
    /// the result does not depend on the thread count.
    public static func linear(_ x: UnsafePointer<Float>, rows: Int, inDim: Int, weight: UnsafePointer<Float>,
                              outDim: Int, bias: UnsafePointer<Float>?, into out: UnsafeMutablePointer<Float>,
                              accumulate: Bool = false) {
        KernelThreads.forEachBlock(rows: rows) { block in
            linearSerial(x + block.lowerBound * inDim, rows: block.count, inDim: inDim, weight: weight,
                         outDim: outDim, bias: bias, into: out + block.lowerBound * outDim, accumulate: accumulate)
        }
    }

    /// `linear` on the calling thread only, as one sgemm call (for use inside a parallel region).
    public static func linearSerial(_ x: UnsafePointer<Float>, rows: Int, inDim: Int, weight: UnsafePointer<Float>,
                                    outDim: Int, bias: UnsafePointer<Float>?, into out: UnsafeMutablePointer<Float>,
                                    accumulate: Bool = false) {
        var beta: Float = accumulate ? 1 : 0
        if let bias {
            for r in 0..<rows {
                let row = out + r * outDim
                if accumulate {
                    for c in 0..<outDim { row[c] += bias[c] }
                } else {
                    row.update(from: bias, count: outDim)
                }
            }
            beta = 1
        }
        guard inDim > 0, rows > 0 else {
            if bias == nil && !accumulate { out.initialize(repeating: 0, count: rows * outDim) }
            return
        }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(outDim), Int32(inDim),
                    1, x, Int32(inDim), weight, Int32(inDim), beta, out, Int32(outDim))
    }

    /// `out = keep · out + scale · (x · W)` for `rows` rows, on the calling thread only, as one sgemm call
    /// (for use inside a parallel region): torch's `addmm(out, x, W, beta=keep, alpha=scale)`. `W` is
    /// `channels` × `channels` and multiplied as stored, not transposed (PyG's `GCN2Conv` computes
    /// `x @ weight1`); `x` must not overlap `out`. With `keep` 0 the old contents of `out` are not read.
    ///
    /// Memory: reads x and W, reads and writes out once.
    public static func addProductSerial(_ x: UnsafePointer<Float>, rows: Int, channels: Int, weight: UnsafePointer<Float>,
                                        scale: Float, keep: Float, into out: UnsafeMutablePointer<Float>) {
        guard rows > 0, channels > 0 else { return }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rows), Int32(channels), Int32(channels),
                    scale, x, Int32(channels), weight, Int32(channels), keep, out, Int32(channels))
    }
}
