import COpenBLAS

/// Dense products through OpenBLAS `cblas_sgemm`, in PyTorch's weight layout.
public enum Dense {
    /// `out[r, :] = x[r, :] · Wᵀ + bias` for `rows` rows: `x` is rows × inDim, `weight` is outDim × inDim
    /// (as `torch.nn.Linear` stores it), `out` is rows × outDim; all row-major and contiguous.
    /// With `accumulate`, adds to `out` instead of overwriting it.
    ///
    /// Memory: reads x and W, writes out once. Rows are split into fixed blocks (one thread each), and
    /// each row is computed alone (`tileRows`), so the result depends neither on the thread count nor on
    /// the other rows.
    public static func linear(_ x: UnsafePointer<Float>, rows: Int, inDim: Int, weight: UnsafePointer<Float>,
                              outDim: Int, bias: UnsafePointer<Float>?, into out: UnsafeMutablePointer<Float>,
                              accumulate: Bool = false) {
        KernelThreads.forEachBlock(rows: rows) { block in
            linearSerial(x + block.lowerBound * inDim, rows: block.count, inDim: inDim, weight: weight,
                         outDim: outDim, bias: bias, into: out + block.lowerBound * outDim, accumulate: accumulate)
        }
    }

    /// Rows per sgemm call. OpenBLAS gives a row other bits depending on how many rows share its call
    /// and where it sits among them (0.3.21 on Zen: 182 of 210 aligned sub-blocks of a 320-row product
    /// differ from the whole); in calls of exactly 8 rows every row gets the same bits wherever it sits
    /// and whatever the other 7 hold (K, N from 6 to 1000, both transposes, β 0 and 1). So each output row
    /// depends on its input row alone, and a shard, whose rows are a subset of the graph's, computes them
    /// as the whole graph does (`mpirun` predict). Cost: sgemm at K = N = 128 runs at 16.5 against 27
    /// GFLOP/s in 256-row calls on this 2-core EPYC; RevSAGE-28 on the arxiv-shaped graph, 1 thread, took
    /// 42.1 and 51.6 s against 35.7 and 44.3 s with one call per block (alternating, load average ~10):
    /// about 17 % more.
    public static let tileRows = 8

    /// Calls `product(x, rows, out)` on tiles of exactly `tileRows` rows: the last, partial tile is
    /// copied into zero-padded scratch (its output rows too, when the product adds to them).
    @inline(__always)
    static func tiled(_ x: UnsafePointer<Float>, rows: Int, inDim: Int, into out: UnsafeMutablePointer<Float>, outDim: Int,
                      readsOut: Bool, _ product: (UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Void) {
        let full = rows / tileRows * tileRows
        for start in stride(from: 0, to: full, by: tileRows) { product(x + start * inDim, out + start * outDim) }
        let tail = rows - full
        guard tail > 0 else { return }
        withUnsafeTemporaryAllocation(of: Float.self, capacity: tileRows * (inDim + outDim)) { scratch in
            let tileX = scratch.baseAddress!, tileOut = tileX + tileRows * inDim
            tileX.initialize(repeating: 0, count: tileRows * (inDim + outDim))
            tileX.update(from: x + full * inDim, count: tail * inDim)
            if readsOut { tileOut.update(from: out + full * outDim, count: tail * outDim) }
            product(tileX, tileOut)
            (out + full * outDim).update(from: tileOut, count: tail * outDim)
        }
    }

    /// `linear` on the calling thread only, in sgemm calls of `tileRows` rows (for use inside a parallel
    /// region).
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
        tiled(x, rows: rows, inDim: inDim, into: out, outDim: outDim, readsOut: beta != 0) { x, out in
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(tileRows), Int32(outDim), Int32(inDim),
                        1, x, Int32(inDim), weight, Int32(inDim), beta, out, Int32(outDim))
        }
    }

    /// `out = keep · out + scale · (x · W)` for `rows` rows, on the calling thread only, in sgemm calls of `tileRows` rows
    /// (for use inside a parallel region): torch's `addmm(out, x, W, beta=keep, alpha=scale)`. `W` is
    /// `channels` × `channels` and multiplied as stored, not transposed (PyG's `GCN2Conv` computes
    /// `x @ weight1`); `x` must not overlap `out`. With `keep` 0 the old contents of `out` are not read.
    ///
    /// Memory: reads x and W, reads and writes out once.
    public static func addProductSerial(_ x: UnsafePointer<Float>, rows: Int, channels: Int, weight: UnsafePointer<Float>,
                                        scale: Float, keep: Float, into out: UnsafeMutablePointer<Float>) {
        guard rows > 0, channels > 0 else { return }
        tiled(x, rows: rows, inDim: channels, into: out, outDim: channels, readsOut: keep != 0) { x, out in
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(tileRows), Int32(channels), Int32(channels),
                        scale, x, Int32(channels), weight, Int32(channels), keep, out, Int32(channels))
        }
    }
}
