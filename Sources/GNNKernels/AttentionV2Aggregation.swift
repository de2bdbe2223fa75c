import Foundation

/// GATv2Conv's attention-weighted aggregation, with an online softmax per destination and head.
///
/// For destination v, head h and incoming edge e = (u → v), with x_l and x_r the conv's two projections
/// (N × heads × channels) and `edge_e` = lin_edge(features_e) viewed heads × channels (0 without edges):
/// `score_e = Σ_c att[h, c] · leakyReLU(x_l[u, h, c] + x_r[v, h, c] + edge_e[h, c])`, and
/// `out[v, h, :] = Σ_e exp(score_e − max) · x_l[u, h, :] / (Σ_e exp(score_e − max) + 1e-16)`.
/// With `selfLoops`, existing self loops are skipped and one loop (u = v) is added last whose edge features
/// are the mean of the row's other edges' features (0 when it has none), as PyG's `remove_self_loops` +
/// `add_self_loops(fill_value="mean")` do. Rows without any entry give 0.
///
/// The softmax is online: one pass over a row's entries keeps, per head, the running maximum, the running
/// denominator and the running weighted sum (in the output row itself), rescaling the latter two whenever
/// the maximum grows. So each x_l[u] row is gathered once, for its score and its weighted sum together.
///
/// Memory touched: x_l (gathered by source), x_r (row v), att, lin_edge packed E × heads·channels, each
/// edge's features once, and `out`. Working memory: O(heads · channels + E) per thread (running values,
/// one edge's projection `lin_edge(features_e)` computed as the edge is read, the loop's feature sum); no
/// per-edge buffer, of scores or of projections, is ever built.
public enum AttentionV2Aggregation {
    /// - xLeft, xRight: N × heads·channels (the same pointer when the conv shares its weights).
    /// - attention: heads × channels.
    /// - edges: the edge features with lin_edge packed by `MessageAggregation.EdgeEncoder.pack` for
    ///   heads·channels outputs, or nil (no edge term). A bias (a shared edge encoder's, folded into lin_edge)
    ///   is added to every edge's term, and to the added loop's when the row has other edges: a row without
    ///   edges has loop features 0 before the encoder as after it, as PyG fills the loop with the mean of
    ///   already-encoded features.
    /// - out: N × heads·channels, overwritten.
    ///
    /// Rows are split in `KernelThreads` blocks and each row is summed in CSR order by one thread, so the
    /// result is the same bits for any thread count.
    public static func run(_ graph: CSRGraph, xLeft: UnsafePointer<Float>, xRight: UnsafePointer<Float>,
                           attention: UnsafePointer<Float>, heads: Int, channels: Int,
                           edges: MessageAggregation.EdgeEncoder?, selfLoops: Bool, negativeSlope: Float,
                           into out: UnsafeMutablePointer<Float>) {
        let rows = AttentionV2Rows(graph: graph, xLeft: xLeft, xRight: xRight, attention: attention, heads: heads,
                                   channels: channels, edges: edges, selfLoops: selfLoops,
                                   negativeSlope: negativeSlope)
        KernelThreads.forEachBlock(rows: graph.nodeCount) { block in
            let scratch = AttentionV2Scratch(heads: heads, width: heads * channels, columns: rows.features.columns)
            defer { scratch.deallocate() }
            for v in block { rows.aggregate(v, scratch, into: out + v * heads * channels) }
        }
    }
}

/// The inputs of one run that stay fixed for every row, and the row computation.
private struct AttentionV2Rows {
    let graph: CSRGraph
    let xLeft: UnsafePointer<Float>
    let xRight: UnsafePointer<Float>
    let attention: UnsafePointer<Float>
    let heads: Int
    let channels: Int
    let selfLoops: Bool
    let negativeSlope: Float
    /// The edge term's features (no columns without an edge term).
    let features: LoopFilledEdgeFeatures
    /// lin_edge packed columns × padded width, or nil.
    let edgeWeight: UnsafePointer<Float>?
    /// Its bias, padded width, or nil.
    let edgeBias: UnsafePointer<Float>?

    init(graph: CSRGraph, xLeft: UnsafePointer<Float>, xRight: UnsafePointer<Float>, attention: UnsafePointer<Float>,
         heads: Int, channels: Int, edges: MessageAggregation.EdgeEncoder?, selfLoops: Bool, negativeSlope: Float) {
        precondition(edges == nil || edges!.weight != nil, "GATv2's edge term needs lin_edge")
        self.graph = graph
        self.xLeft = xLeft
        self.xRight = xRight
        self.attention = attention
        self.heads = heads
        self.channels = channels
        self.selfLoops = selfLoops
        self.negativeSlope = negativeSlope
        features = LoopFilledEdgeFeatures(edges?.features)
        edgeWeight = edges?.weight
        edgeBias = edges?.bias
    }

    /// out[v, :, :] for row v (`target`, heads·channels floats): its edges in CSR order, then the added loop.
    @inline(__always)
    func aggregate(_ v: Int, _ scratch: AttentionV2Scratch, into target: UnsafeMutablePointer<Float>) {
        let width = heads * channels
        target.initialize(repeating: 0, count: width)
        scratch.best.initialize(repeating: -.infinity, count: heads)
        scratch.denominator.initialize(repeating: 0, count: heads)
        features.startRow(scratch.loopFeatures)
        var kept = 0
        for e in graph.row(v) {
            // x_l is read at random, heads · channels floats an entry: ask for the rows some entries ahead.
            graph.prefetchSourceRow(ofEdge: e + CSRGraph.gatherPrefetchDistance, in: xLeft, rowBytes: width * 4)
            let u = Int(graph.sources[e])
            if selfLoops && u == v { continue }
            kept += 1
            if let edgeWeight {
                embed(features.read(e, scratch: scratch.rawFeatures, addingTo: scratch.loopFeatures), edgeWeight, edgeBias, scratch)
            }
            add(u, v, scratch, into: target)
        }
        if selfLoops {
            if let edgeWeight {
                features.finishLoop(scratch.loopFeatures, count: kept)
                embed(scratch.loopFeatures, edgeWeight, kept > 0 ? edgeBias : nil, scratch)
            }
            add(v, v, scratch, into: target)
        }
        for h in 0..<heads where scratch.denominator[h] > 0 {
            scale(target + h * channels, by: 1 / (scratch.denominator[h] + 1e-16))
        }
    }

    /// `scratch.edgeTerm` = lin_edge(features) (+ bias).
    @inline(__always)
    private func embed(_ values: UnsafePointer<Float>, _ weight: UnsafePointer<Float>, _ bias: UnsafePointer<Float>?,
                       _ scratch: AttentionV2Scratch) {
        MessageAggregation.EdgeEncoder.embed(values, columns: features.columns, weight: weight, bias: bias,
                                             padded: scratch.paddedWidth, into: scratch.edgeTerm)
    }

    /// One entry u → v with edge term `scratch.edgeTerm`: per head its score, then the online-softmax step
    /// (rescale the running sums when the maximum grows, add exp(score − max) · x_l[u, h, :]).
    @inline(__always)
    private func add(_ u: Int, _ v: Int, _ scratch: AttentionV2Scratch, into target: UnsafeMutablePointer<Float>) {
        let width = heads * channels
        let left = xLeft + u * width, right = xRight + v * width
        for h in 0..<heads {
            let offset = h * channels
            let value = score(left + offset, right + offset, scratch.edgeTerm + offset, attention + offset)
            let accumulator = target + offset
            if value > scratch.best[h] {
                // The first entry finds best −∞ and a zero sum: nothing to rescale.
                if scratch.denominator[h] > 0 {
                    let factor = Foundation.exp(scratch.best[h] - value)
                    scratch.denominator[h] *= factor
                    scale(accumulator, by: factor)
                }
                scratch.best[h] = value
            }
            let weight = Foundation.exp(value - scratch.best[h])
            scratch.denominator[h] += weight
            AttentionAggregation.accumulate(left + offset, weight: weight, channels: channels, into: accumulator)
        }
    }

    /// Σ_c att[c] · leakyReLU(left[c] + right[c] + edge[c]) over one head's channels, a vector at a time.
    @inline(__always)
    private func score(_ left: UnsafePointer<Float>, _ right: UnsafePointer<Float>, _ edge: UnsafePointer<Float>,
                       _ att: UnsafePointer<Float>) -> Float {
        var sum = RowVectors.Vector.zero
        var c = 0
        while c + RowVectors.width <= channels {
            let z = RowVectors.load(left, c) + RowVectors.load(right, c) + RowVectors.load(edge, c)
            sum += z.replacing(with: z * negativeSlope, where: z .< 0) * RowVectors.load(att, c)
            c += RowVectors.width
        }
        var total = sum.sum()
        while c < channels {
            let z = left[c] + right[c] + edge[c]
            total += (z < 0 ? z * negativeSlope : z) * att[c]
            c += 1
        }
        return total
    }

    /// values[0..<channels] *= factor.
    @inline(__always)
    private func scale(_ values: UnsafeMutablePointer<Float>, by factor: Float) {
        var c = 0
        while c + RowVectors.width <= channels {
            RowVectors.store(RowVectors.load(values, c) * factor, values, c)
            c += RowVectors.width
        }
        while c < channels {
            values[c] *= factor
            c += 1
        }
    }
}

/// One thread's working memory, in one allocation: per head the running maximum and denominator, one
/// entry's edge term (padded to whole vectors, zero without edge features), one edge's features converted
/// to f32, and the added loop's feature sum. 2 · heads + padded width + 2 · E floats.
private struct AttentionV2Scratch {
    /// Per head: the largest score so far.
    let best: UnsafeMutablePointer<Float>
    /// Per head: Σ exp(score − best) so far.
    let denominator: UnsafeMutablePointer<Float>
    /// lin_edge of the current entry's features, heads·channels rounded up to whole vectors.
    let edgeTerm: UnsafeMutablePointer<Float>
    let paddedWidth: Int
    /// One edge's features converted to f32, when they are not stored as f32.
    let rawFeatures: UnsafeMutablePointer<Float>
    /// The added loop's features: the sum, then the mean, of the row's other edges' features.
    let loopFeatures: UnsafeMutablePointer<Float>
    private let allocation: UnsafeMutablePointer<Float>

    init(heads: Int, width: Int, columns: Int) {
        paddedWidth = MessageAggregation.paddedWidth(width)
        allocation = .allocate(capacity: 2 * heads + paddedWidth + 2 * columns)
        best = allocation
        denominator = best + heads
        edgeTerm = denominator + heads
        rawFeatures = edgeTerm + paddedWidth
        loopFeatures = rawFeatures + columns
        // Without edge features the edge term stays 0 for every entry.
        edgeTerm.initialize(repeating: 0, count: paddedWidth)
    }

    func deallocate() { allocation.deallocate() }
}
