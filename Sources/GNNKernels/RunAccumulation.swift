/// The inner loop of the cache-blocked aggregations: one destination row's run of edges added into its
/// output row, with the output held in registers across the run.
///
/// For every channel c: `target[c] = ((target[c] + w_0·x_0[c]) + w_1·x_1[c]) + …` over the run's edges in
/// CSR order, where `x_k` is the source row of the k-th edge (at `columnOffset` within rows of `rowStride`
/// floats) and `w_k` its weight (1 without weights, and then no multiplication). These are the additions,
/// in the order, of adding one edge at a time into memory, so the results are the same bits; only the
/// loads and stores of the target between edges are gone (four vectors of channels at a time).
///
/// Memory: reads each edge's source index and `channels` floats of its source row; target read and written once.
enum RunAccumulation {
    /// - `skipping`: a source id whose edges are left out (a row's own self loops), or -1.
    /// - `weights`: the weight of edge e is `weights[e · weightStride]`.
    /// - `channels`: a multiple of `RowVectors.width`.
    @inline(__always)
    static func add(_ x: UnsafePointer<Float>, rowStride: Int, columnOffset: Int, channels: Int,
                    sources: UnsafePointer<UInt32>, edges: Range<Int>, skipping: Int,
                    weights: UnsafePointer<Float>?, weightStride: Int, into target: UnsafeMutablePointer<Float>) {
        let w = RowVectors.width
        let base = x + columnOffset
        var c = 0
        while c + 4 * w <= channels {
            var a0 = RowVectors.load(target, c), a1 = RowVectors.load(target, c + w)
            var a2 = RowVectors.load(target, c + 2 * w), a3 = RowVectors.load(target, c + 3 * w)
            for e in edges {
                let u = Int(sources[e])
                if u == skipping { continue }
                let row = base + u * rowStride + c
                if let weights {
                    let weight = weights[e * weightStride]
                    a0 = a0 + RowVectors.load(row, 0) * weight
                    a1 = a1 + RowVectors.load(row, w) * weight
                    a2 = a2 + RowVectors.load(row, 2 * w) * weight
                    a3 = a3 + RowVectors.load(row, 3 * w) * weight
                } else {
                    a0 = a0 + RowVectors.load(row, 0)
                    a1 = a1 + RowVectors.load(row, w)
                    a2 = a2 + RowVectors.load(row, 2 * w)
                    a3 = a3 + RowVectors.load(row, 3 * w)
                }
            }
            RowVectors.store(a0, target, c)
            RowVectors.store(a1, target, c + w)
            RowVectors.store(a2, target, c + 2 * w)
            RowVectors.store(a3, target, c + 3 * w)
            c += 4 * w
        }
        while c < channels {
            var a = RowVectors.load(target, c)
            for e in edges {
                let u = Int(sources[e])
                if u == skipping { continue }
                let row = base + u * rowStride + c
                if let weights {
                    a = a + RowVectors.load(row, 0) * weights[e * weightStride]
                } else {
                    a = a + RowVectors.load(row, 0)
                }
            }
            RowVectors.store(a, target, c)
            c += w
        }
    }
}
