import GNNConcurrency
import COpenBLAS
import GNNFormats
import GNNKernels

/// OpenBLAS `cblas_sgemm` throughput as the engine uses it: single-threaded OpenBLAS inside each of
/// `threads` workers, every worker multiplying its own rows by the same weight at the same time.
public enum MatrixMultiplyRate {
    /// Floating-point operations per second of `out = x · Wᵀ` with x `rows` × `inDim` (split evenly over the
    /// workers, one sgemm call each) and W `outDim` × `inDim`, counting 2 · rows · inDim · outDim. Best of `runs`.
    public static func sgemm(rows: Int, inDim: Int, outDim: Int, threads: Int, runs: Int) -> Double {
        openblas_set_num_threads(1)
        let workers = max(1, threads)
        return rate(rows: rows, inDim: inDim, outDim: outDim, runs: runs) { x, w, out in
            ParallelLoop.run(workers, workers: workers) { worker in
                let first = rows * worker / workers, count = rows * (worker + 1) / workers - first
                guard count > 0 else { return }
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(count), Int32(outDim), Int32(inDim),
                            1, x + first * inDim, Int32(inDim), w, Int32(inDim), 0, out + first * outDim, Int32(outDim))
            }
        }
    }
}

extension MatrixMultiplyRate {
    /// The engine's own `Dense.linear` at the same shape (it splits rows over the current `KernelThreads`),
    /// flops per second, best of `runs`.
    public static func engine(rows: Int, inDim: Int, outDim: Int, runs: Int) -> Double {
        rate(rows: rows, inDim: inDim, outDim: outDim, runs: runs) { x, w, out in
            Dense.linear(x, rows: rows, inDim: inDim, weight: w, outDim: outDim, bias: nil, into: out)
        }
    }

    /// Flops per second of `product(x, w, out)` on operands of the given shape (x = 0.5, w = 0.25), best of
    /// `runs` after one warm-up call (page faults, lazy allocations).
    private static func rate(rows: Int, inDim: Int, outDim: Int, runs: Int,
                             _ product: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Void) -> Double {
        let x = UnsafeMutablePointer<Float>.allocate(capacity: rows * inDim)
        let w = UnsafeMutablePointer<Float>.allocate(capacity: outDim * inDim)
        let out = UnsafeMutablePointer<Float>.allocate(capacity: rows * outDim)
        defer { x.deallocate(); w.deallocate(); out.deallocate() }
        x.initialize(repeating: 0.5, count: rows * inDim)
        w.initialize(repeating: 0.25, count: outDim * inDim)
        product(x, w, out)
        let seconds = Stopwatch.best(of: runs) { product(x, w, out) }
        return 2 * Double(rows) * Double(inDim) * Double(outDim) / seconds
    }
}
