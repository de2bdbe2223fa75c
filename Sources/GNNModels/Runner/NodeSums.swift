import GNNConcurrency
import GNNFormats
import GNNKernels

/// Merges the exact sums of every shard of a set, so that each holds the whole graph's (`ExactSum.add`).
///
/// Every shard calls it at the same point of the same pass, with the same number of sums.
public protocol ShardSumMerge: AnyObject, Sendable {
    /// Replaces each of `sums` by its total over all shards.
    func merge(_ sums: inout [ExactSum])
}

/// Sums over a graph's node rows — the fixed-point solvers' residual norms and inner products, graph-mode
/// layer norm's moments — that are the same bits for any thread count and for any split of the graph into
/// shards, so that a deq model takes the same iterations and gives the same outputs on K ranks as on one.
///
/// A row's terms are summed by the caller's body in a fixed order (from the row's own values, the same on
/// any shard); the row sums are then added exactly (`ExactSum`) over the rows this process owns, and the
/// shards' exact sums merged. Only the rounding of the exact total to a double remains, and it depends
/// on nothing but the total. Memory: `width` exact sums (32 KiB each) per worker thread.
final class NodeSums: @unchecked Sendable {
    /// Rows of the graph (of a shard: its owned rows, which come first).
    let rows: Int
    /// Rows of the whole graph (of the set, for a shard): the count a mean over all nodes divides by.
    let wholeRows: Int
    /// For a shard, the merge with the other shards' sums (nil: a whole graph).
    private let merge: (any ShardSumMerge)?

    init(rows: Int, wholeRows: Int? = nil, merge: (any ShardSumMerge)? = nil) {
        self.rows = rows
        self.wholeRows = wholeRows ?? rows
        self.merge = merge
    }

    /// Calls `body(row, partials)` for every row with `width` partials zeroed, on all worker
    /// threads; `body` adds its row's terms into them (and may write the row's elements of other buffers).
    /// Returns the `width` totals over the rows (of the whole set, for a shard).
    func compute(width: Int, _ body: (Int, UnsafeMutablePointer<Double>) -> Void) -> [Double] {
        let pieces = max(1, min(KernelThreads.count, rows))
        var perPiece = [[ExactSum]](repeating: [], count: pieces)
        perPiece.withUnsafeMutableBufferPointer { perPiece in
            let results = UnsafeTransfer(perPiece.baseAddress!)
            ParallelLoop.run(pieces, workers: pieces) { piece in
                var sums = [ExactSum](repeating: ExactSum(), count: width)
                let partials = UnsafeMutablePointer<Double>.allocate(capacity: max(width, 1))
                defer { partials.deallocate() }
                for row in piece * rows / pieces..<(piece + 1) * rows / pieces {
                    partials.initialize(repeating: 0, count: width)
                    body(row, partials)
                    for j in 0..<width { sums[j].add(partials[j]) }
                }
                results.value[piece] = sums
            }
        }
        var totals = perPiece[0]
        for piece in perPiece.dropFirst() {
            for j in 0..<width { totals[j].add(piece[j]) }
        }
        merge?.merge(&totals)
        return totals.map(\.value)
    }

    /// `compute` over the rows of a flat N × `rowLength` buffer: `body(range, partials)` gets each row's
    /// element range.
    func compute(width: Int, rowLength: Int, _ body: (Range<Int>, UnsafeMutablePointer<Double>) -> Void) -> [Double] {
        compute(width: width) { row, partials in body(row * rowLength..<(row + 1) * rowLength, partials) }
    }

    /// Mean and biased standard deviation of all values of `x` over the whole graph, as PyG's graph-mode
    /// `LayerNorm` (one graph) takes them: `mean = x.mean()`, then the standard deviation of `x − mean`, both
    /// rounded to float32 as torch returns them. `x` holds `groups` consecutive blocks of `rows` × `channels`
    /// (a reversible model's state; 1 for a plain matrix); node v's values are row v of every block. Each
    /// row's terms are summed in double.
    func moments(of x: UnsafePointer<Float>, channels: Int, groups: Int = 1) -> (mean: Float, deviation: Float) {
        let rows = rows, count = Double(wholeRows * groups * channels)
        guard count > 0 else { return (0, 0) }
        func rowSum(_ term: (Float) -> Double) -> Double {
            compute(width: 1) { v, partial in
                for g in 0..<groups {
                    let row = x + (g * rows + v) * channels
                    for c in 0..<channels { partial[0] += term(row[c]) }
                }
            }[0]
        }
        let mean = Float(rowSum { Double($0) } / count)
        let variance = rowSum { value in
            let centred = Double(value - mean)
            return centred * centred
        } / count
        return (mean, Float(variance.squareRoot()))
    }
}
