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
/// A row's terms are summed by the caller's body in a fixed order (float32, as the row's own values give
/// it on any shard); the row sums are then added exactly (`ExactSum`) over the rows this process owns, and
/// the shards' exact sums merged. Only the rounding of the exact total to a double remains, and it depends
/// on nothing but the total. Memory: `width` exact sums (32 KiB each) per worker thread.
final class NodeSums: @unchecked Sendable {
    /// Rows of the graph (of this shard: owned and halo).
    let rows: Int
    /// Whether each row is this shard's own (nil: a whole graph, every row).
    private let owned: [Bool]?
    private let merge: (any ShardSumMerge)?

    init(rows: Int, owned: [Bool]? = nil, merge: (any ShardSumMerge)? = nil) {
        precondition((owned == nil) == (merge == nil), "a shard's sums need both its owned rows and a merge")
        self.rows = rows
        self.owned = owned
        self.merge = merge
    }

    /// Calls `body(row, partials)` for every row with `width` float partials zeroed, on all worker
    /// threads; `body` adds its row's terms into them (and may write the row's elements of other buffers:
    /// it is called for halo rows too). Returns the `width` totals over the owned rows.
    func compute(width: Int, _ body: (Int, UnsafeMutablePointer<Float>) -> Void) -> [Double] {
        let pieces = max(1, min(KernelThreads.count, rows))
        var perPiece = [[ExactSum]](repeating: [], count: pieces)
        perPiece.withUnsafeMutableBufferPointer { perPiece in
            let results = UnsafeTransfer(perPiece.baseAddress!)
            ParallelLoop.run(pieces, workers: pieces) { piece in
                var sums = [ExactSum](repeating: ExactSum(), count: width)
                let partials = UnsafeMutablePointer<Float>.allocate(capacity: max(width, 1))
                defer { partials.deallocate() }
                for row in piece * rows / pieces..<(piece + 1) * rows / pieces {
                    partials.initialize(repeating: 0, count: width)
                    body(row, partials)
                    guard owned?[row] ?? true else { continue }
                    for j in 0..<width { sums[j].add(Double(partials[j])) }
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
    func compute(width: Int, rowLength: Int, _ body: (Range<Int>, UnsafeMutablePointer<Float>) -> Void) -> [Double] {
        compute(width: width) { row, partials in body(row * rowLength..<(row + 1) * rowLength, partials) }
    }
}
