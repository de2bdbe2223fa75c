/// Dense products in PyTorch's weight layout, each output row computed from its input row alone.
///
/// Every output element is the sum over k = 0, 1, …, K − 1 of x[r, k] · W[k, n], one fused multiply-add per
/// term in that order, whatever rows and columns share its register tile. So a row's bits depend
/// neither on the thread count, nor on the other rows of its call, nor on where it sits among them: a
/// shard, whose rows are a subset of the graph's, computes them to the bit as the whole graph does
/// (`mpirun` predict). OpenBLAS's sgemm gives no such guarantee: 0.3.21 gives a row other bits by the
/// size of its call and its place in it, except in calls of exactly 8 rows, which made RevSAGE-28 about
/// 15 % slower end to end (bench/README, "Dense products"). The multiply-adds are fused, as PyTorch's
/// sgemm fuses them: separate ones took a fixture past 1e-5 of PyG (rev_sage_4groups, 1.01e-5). A fused
/// multiply-add is exact, so every build gives the same bits; on a CPU without FMA instructions (a
/// portable x86-64 build) it is a library call. Speed (native, arxiv-shaped 64 → 64): 70–90 GFLOP/s,
/// against 31–44 for OpenBLAS in 8-row calls and 40–51 in one call (`gnn-bench roofline`).
public enum Dense {
    /// `out[r, :] = x[r, :] · Wᵀ + bias` for `rows` rows: `x` is rows × inDim, `weight` is outDim × inDim
    /// (as `torch.nn.Linear` stores it), `out` is rows × outDim; all row-major and contiguous.
    /// With `accumulate`, adds to `out` instead of overwriting it.
    ///
    /// Memory: W transposed once (outDim × inDim floats), then x read and out written once; rows are split
    /// into fixed blocks, one thread each.
    public static func linear(_ x: UnsafePointer<Float>, rows: Int, inDim: Int, weight: UnsafePointer<Float>,
                              outDim: Int, bias: UnsafePointer<Float>?, into out: UnsafeMutablePointer<Float>,
                              accumulate: Bool = false) {
        withTransposed(weight, inDim: inDim, outDim: outDim) { wt in
            KernelThreads.forEachBlock(rows: rows) { block in
                product(x + block.lowerBound * inDim, rows: block.count, inDim: inDim, transposed: wt, outDim: outDim,
                        bias: bias, into: out + block.lowerBound * outDim, accumulate: accumulate)
            }
        }
    }

    /// `linear` on the calling thread only (for use inside a parallel region).
    ///
    /// Memory: W transposed into a temporary of outDim × inDim floats, so that the kernel reads its rows
    /// with unit stride.
    public static func linearSerial(_ x: UnsafePointer<Float>, rows: Int, inDim: Int, weight: UnsafePointer<Float>,
                                    outDim: Int, bias: UnsafePointer<Float>?, into out: UnsafeMutablePointer<Float>,
                                    accumulate: Bool = false) {
        guard rows > 0 else { return }
        withTransposed(weight, inDim: inDim, outDim: outDim) { wt in
            product(x, rows: rows, inDim: inDim, transposed: wt, outDim: outDim, bias: bias, into: out, accumulate: accumulate)
        }
    }

    /// Calls `body` with W (outDim × inDim) transposed into a temporary (inDim × outDim).
    private static func withTransposed(_ weight: UnsafePointer<Float>, inDim: Int, outDim: Int,
                                       _ body: (UnsafePointer<Float>) -> Void) {
        withUnsafeTemporaryAllocation(of: Float.self, capacity: max(inDim * outDim, 1)) { transposed in
            let wt = transposed.baseAddress!
            for n in 0..<outDim {
                for k in 0..<inDim { wt[k * outDim + n] = weight[n * inDim + k] }
            }
            body(wt)
        }
    }

    /// `linear` of `rows` rows with W already transposed (`wt`, inDim × outDim).
    private static func product(_ x: UnsafePointer<Float>, rows: Int, inDim: Int, transposed wt: UnsafePointer<Float>,
                                outDim: Int, bias: UnsafePointer<Float>?, into out: UnsafeMutablePointer<Float>,
                                accumulate: Bool) {
        guard rows > 0, outDim > 0 else { return }
        if let bias {
            for r in 0..<rows {
                let row = out + r * outDim
                if accumulate {
                    for c in 0..<outDim { row[c] += bias[c] }
                } else {
                    row.update(from: bias, count: outDim)
                }
            }
        }
        let keep: Float = bias != nil || accumulate ? 1 : 0
        RowProduct.run(x, rows: rows, inner: inDim, weight: wt, columns: outDim, scale: 1, keep: keep, into: out)
    }

    /// `out = keep · out + scale · (x · W)` for `rows` rows, on the calling thread only (for use inside a
    /// parallel region): torch's `addmm(out, x, W, beta=keep, alpha=scale)`. `W` is `channels` ×
    /// `channels` and multiplied as stored, not transposed (PyG's `GCN2Conv` computes `x @ weight1`); `x`
    /// must not overlap `out`. With `keep` 0 the old contents of `out` are not read.
    ///
    /// Memory: reads x and W, reads and writes out once.
    public static func addProductSerial(_ x: UnsafePointer<Float>, rows: Int, channels: Int, weight: UnsafePointer<Float>,
                                        scale: Float, keep: Float, into out: UnsafeMutablePointer<Float>) {
        guard rows > 0, channels > 0 else { return }
        RowProduct.run(x, rows: rows, inner: channels, weight: weight, columns: channels, scale: scale, keep: keep, into: out)
    }
}

/// The register-tiled kernel behind `Dense`: `out = keep · out + scale · (x · W)` with W stored inner ×
/// columns. Tiles of 4 rows × 16 columns keep 8 vector accumulators in registers; the rows and columns
/// left over run the same sum one row, one vector or one element at a time, so every element gets the
/// same operations in the same order wherever it falls.
enum RowProduct {
    typealias Vector = SIMD8<Float>
    static let tileRows = 4
    static let tileColumns = 2 * Vector.scalarCount

    static func run(_ x: UnsafePointer<Float>, rows: Int, inner: Int, weight: UnsafePointer<Float>, columns: Int,
                    scale: Float, keep: Float, into out: UnsafeMutablePointer<Float>) {
        var r = 0
        while r + tileRows <= rows {
            var c = 0
            while c + tileColumns <= columns {
                tile(x + r * inner, inner: inner, weight + c, columns: columns, scale: scale, keep: keep, into: out + r * columns + c)
                c += tileColumns
            }
            for row in r..<(r + tileRows) {
                rest(x + row * inner, from: c, inner: inner, weight, columns: columns, scale: scale, keep: keep,
                     into: out + row * columns)
            }
            r += tileRows
        }
        for row in r..<rows {
            rest(x + row * inner, from: 0, inner: inner, weight, columns: columns, scale: scale, keep: keep,
                 into: out + row * columns)
        }
    }

    @inline(__always)
    private static func load(_ p: UnsafePointer<Float>) -> Vector {
        UnsafeRawPointer(p).loadUnaligned(as: Vector.self)
    }

    /// `p[0..<8] = keep · p + scale · value`, not reading `p` when `keep` is 0.
    @inline(__always)
    private static func store(_ value: Vector, _ p: UnsafeMutablePointer<Float>, scale: Float, keep: Float) {
        let raw = UnsafeMutableRawPointer(p)
        let result = keep == 0 ? value * scale : raw.loadUnaligned(as: Vector.self) * keep + value * scale
        raw.storeBytes(of: result, as: Vector.self)
    }

    /// 4 rows × 16 columns.
    @inline(__always)
    private static func tile(_ x: UnsafePointer<Float>, inner: Int, _ w: UnsafePointer<Float>, columns: Int,
                             scale: Float, keep: Float, into out: UnsafeMutablePointer<Float>) {
        let x0 = x, x1 = x + inner, x2 = x + 2 * inner, x3 = x + 3 * inner
        var a00 = Vector(), a01 = Vector(), a10 = Vector(), a11 = Vector()
        var a20 = Vector(), a21 = Vector(), a30 = Vector(), a31 = Vector()
        var row = w
        for k in 0..<inner {
            let w0 = load(row), w1 = load(row + Vector.scalarCount)
            row += columns
            let b0 = Vector(repeating: x0[k]), b1 = Vector(repeating: x1[k])
            let b2 = Vector(repeating: x2[k]), b3 = Vector(repeating: x3[k])
            a00 = a00.addingProduct(b0, w0); a01 = a01.addingProduct(b0, w1)
            a10 = a10.addingProduct(b1, w0); a11 = a11.addingProduct(b1, w1)
            a20 = a20.addingProduct(b2, w0); a21 = a21.addingProduct(b2, w1)
            a30 = a30.addingProduct(b3, w0); a31 = a31.addingProduct(b3, w1)
        }
        let half = Vector.scalarCount
        store(a00, out, scale: scale, keep: keep); store(a01, out + half, scale: scale, keep: keep)
        store(a10, out + columns, scale: scale, keep: keep); store(a11, out + columns + half, scale: scale, keep: keep)
        store(a20, out + 2 * columns, scale: scale, keep: keep); store(a21, out + 2 * columns + half, scale: scale, keep: keep)
        store(a30, out + 3 * columns, scale: scale, keep: keep); store(a31, out + 3 * columns + half, scale: scale, keep: keep)
    }

    /// One row, columns `from..<columns`: a vector at a time, then single elements.
    private static func rest(_ x: UnsafePointer<Float>, from start: Int, inner: Int, _ w: UnsafePointer<Float>,
                             columns: Int, scale: Float, keep: Float, into out: UnsafeMutablePointer<Float>) {
        var c = start
        while c + Vector.scalarCount <= columns {
            var a = Vector(), row = w + c
            for k in 0..<inner {
                a = a.addingProduct(Vector(repeating: x[k]), load(row))
                row += columns
            }
            store(a, out + c, scale: scale, keep: keep)
            c += Vector.scalarCount
        }
        while c < columns {
            var a: Float = 0, row = w + c
            for k in 0..<inner {
                a = a.addingProduct(x[k], row.pointee)
                row += columns
            }
            out[c] = keep == 0 ? a * scale : out[c] * keep + a * scale
            c += 1
        }
    }
}
