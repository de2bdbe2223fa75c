import Foundation

/// GATConv's attention-weighted aggregation, with an online softmax per destination and head.
///
/// For destination v, head h and incoming edge e = (u → v):
/// `score_e = leakyReLU(a_src[u, h] + a_dst[v, h] + a_edge[e, h])`, and
/// `out[v, h, :] = Σ_e exp(score_e − max) · x[u, h, :] / (Σ_e exp(score_e − max) + 1e-16)`.
/// With `selfLoops`, existing self loops are skipped and one loop (u = v) is added whose edge score is
/// `loopEdgeScore(v, h)`, as PyG's `remove_self_loops` + `add_self_loops` do. Rows without any edge give 0.
///
/// Memory: O(heads · channels) per thread; scores are computed as edges are read, never stored per edge.
public enum AttentionAggregation {
    /// Per-edge attention logits from edge features: a_edge[e, h] = features_e · u_h.
    public struct EdgeScores: @unchecked Sendable {
        public let features: EdgeFeatureRows
        /// heads × E: u_h = Σ_c att_edge[h, c] · W_edge[h·C + c, :].
        public let projections: UnsafePointer<Float>
        /// heads, or nil: a constant added to every edge's score, and to the added loop's when the row has
        /// other edges (a shared edge encoder's bias folded into the projections; a row without edges has
        /// loop features 0 before the encoder's bias as after it, as PyG fills the loop with the mean of
        /// already-encoded features).
        public let bias: UnsafePointer<Float>?

        public init(features: EdgeFeatureRows, projections: UnsafePointer<Float>, bias: UnsafePointer<Float>? = nil) {
            self.features = features
            self.projections = projections
            self.bias = bias
        }
    }

    /// GAT's attention logits of `rows`: a_src[v, h] = Σ_c x[v, h, c] · att_src[h, c], and a_dst likewise,
    /// for x of N × heads × channels and att of heads × channels; on the calling thread only (a block of
    /// rows whose x has just been computed, so that it is read from cache).
    public static func logitsSerial(_ x: UnsafePointer<Float>, rows: Range<Int>, heads: Int, channels: Int,
                                    attentionSource: UnsafePointer<Float>, attentionTarget: UnsafePointer<Float>,
                                    into source: UnsafeMutablePointer<Float>, _ target: UnsafeMutablePointer<Float>) {
        let vectorEnd = channels / RowVectors.width * RowVectors.width
        for v in rows {
            for head in 0..<heads {
                let row = x + (v * heads + head) * channels
                let a = attentionSource + head * channels, b = attentionTarget + head * channels
                var sumA = RowVectors.Vector.zero, sumB = RowVectors.Vector.zero
                var c = 0
                while c < vectorEnd {
                    let value = RowVectors.load(row, c)
                    sumA += value * RowVectors.load(a, c)
                    sumB += value * RowVectors.load(b, c)
                    c += RowVectors.width
                }
                var logitA = sumA.sum(), logitB = sumB.sum()
                while c < channels {
                    logitA += row[c] * a[c]
                    logitB += row[c] * b[c]
                    c += 1
                }
                source[v * heads + head] = logitA
                target[v * heads + head] = logitB
            }
        }
    }

    /// - x: N × heads·channels (the conv's projected features), alphaSource/alphaTarget: N × heads.
    /// - out: N × heads·channels; with `adding`, the aggregate is added to it (a block's update of its
    ///   state, with no buffer for the aggregate) instead of overwriting it.
    /// - completed: called once for each fixed block of rows as soon as those rows of `out` are final, on
    ///   the thread that finished them (see `SumAggregation.run`).
    ///
    /// Each row is done in three passes over its entries (its edges in CSR order, then the added loop):
    /// scores and their per-head maximum (`AttentionRows.score`), the exponentials and their sums
    /// (`normalize`), then the weighted sum of source rows a vector of channels at a time (`weightedSum`).
    public static func run(_ graph: CSRGraph, x: UnsafePointer<Float>, heads: Int, channels: Int,
                           alphaSource: UnsafePointer<Float>, alphaTarget: UnsafePointer<Float>,
                           edges: EdgeScores?, selfLoops: Bool, negativeSlope: Float,
                           weightScratch: UnsafeMutablePointer<Float>? = nil, adding: Bool = false,
                           into out: UnsafeMutablePointer<Float>, completed: ((Range<Int>) -> Void)? = nil) {
        let width = heads * channels
        // For an x larger than the cache, store the attention weights (M × heads, never M × channels) and
        // do the weighted sums cache-blocked by source range, as `SumAggregation` does.
        let blocked = weightScratch != nil && channels % RowVectors.width == 0
            && SourceBlocking.applies(to: graph, rowBytes: width * 4)
        let rows = AttentionRows(graph: graph, x: x, heads: heads, channels: channels, alphaSource: alphaSource,
                                 alphaTarget: alphaTarget, edges: edges, selfLoops: selfLoops,
                                 negativeSlope: negativeSlope)
        KernelThreads.forEachBlock(rows: graph.nodeCount) { block in
            var longest = 0
            for v in block { longest = max(longest, graph.row(v).count) }
            // Unblocked rows that are added to `out` are summed and scaled in the scratch first.
            let scratch = AttentionScratch(heads: heads, columns: rows.features.columns, longestRow: longest,
                                           rowSumWidth: adding && !blocked ? width : 0)
            defer { scratch.deallocate() }
            for v in block {
                let target = scratch.rowSum ?? out + v * width
                if !(adding && blocked) { target.initialize(repeating: 0, count: width) }
                let entries = rows.score(v, scratch)
                guard entries > 0 else { continue }
                rows.normalize(entries, scratch)
                if blocked {
                    rows.storeWeights(v, entries, scratch, into: weightScratch!)
                    continue
                }
                rows.weightedSum(v, entries, scratch, into: target)
                if let rowSum = scratch.rowSum { accumulate(rowSum, weight: 1, channels: width, into: out + v * width) }
            }
            if !blocked { completed?(block) }
        }
        if blocked {
            weightedSumsBlocked(graph, x: x, heads: heads, channels: channels, weights: weightScratch!,
                                selfLoops: selfLoops, into: out, completed: completed)
        }
    }

    /// out[v, h, :] += Σ_e w[e, h] · x[u, h, :] (+ the added loop's w · x[v, h, :]), with `SourceBlocking`;
    /// the loop term is added to each block in the last range, while its rows are in cache.
    private static func weightedSumsBlocked(_ graph: CSRGraph, x: UnsafePointer<Float>, heads: Int, channels: Int,
                                            weights: UnsafeMutablePointer<Float>, selfLoops: Bool,
                                            into out: UnsafeMutablePointer<Float>, completed: ((Range<Int>) -> Void)?) {
        let width = heads * channels
        SourceBlocking.forEachRun(graph, gathering: UnsafeRawPointer(x), rowBytes: width * 4, output: out, outputRowBytes: width * 4,
                                   startingBlock: { _ in }, finishingBlock: { rows in
            for v in rows where selfLoops {
                for h in 0..<heads {
                    accumulate(x + v * width + h * channels, weight: weights[(graph.edgeCount + v) * heads + h],
                               channels: channels, into: out + v * width + h * channels)
                }
            }
            completed?(rows)
        }) { v, first, end, limit in
            var runEnd = first
            for h in 0..<heads {
                runEnd = RunAccumulation.add(x, rowStride: width, columnOffset: h * channels, channels: channels,
                                             sources: graph.sources, from: first, end: end, below: limit,
                                             skipping: selfLoops ? v : -1, weights: weights + h, weightStride: heads,
                                             into: out + v * width + h * channels)
            }
            return runEnd
        }
    }

    /// accumulator += weight · values, a vector of channels at a time where possible (also GATv2's sums).
    @inline(__always)
    static func accumulate(_ values: UnsafePointer<Float>, weight: Float, channels: Int,
                           into accumulator: UnsafeMutablePointer<Float>) {
        var c = 0
        while c + RowVectors.width <= channels {
            RowVectors.store(RowVectors.load(accumulator, c) + RowVectors.load(values, c) * weight, accumulator, c)
            c += RowVectors.width
        }
        while c < channels {
            accumulator[c] += weight * values[c]
            c += 1
        }
    }

    /// scores[h] = bias[h] + features · projections[h] (the edge's attention logit per head).
    @inline(__always)
    fileprivate static func project(_ features: UnsafePointer<Float>, _ projections: UnsafePointer<Float>,
                                    bias: UnsafePointer<Float>?, heads: Int, columns: Int,
                                    into scores: UnsafeMutablePointer<Float>) {
        for h in 0..<heads {
            var value: Float = bias?[h] ?? 0
            for k in 0..<columns { value += features[k] * projections[h * columns + k] }
            scores[h] = value
        }
    }
}

/// One row's attention over its entries (its edges in CSR order, then the added self loop): the inputs that
/// stay fixed for a whole run, and one method per pass. Passes read and write only the thread's
/// `AttentionScratch`, except the last, which writes the row's output.
private struct AttentionRows {
    let graph: CSRGraph
    let x: UnsafePointer<Float>
    let heads: Int
    let channels: Int
    let alphaSource: UnsafePointer<Float>
    let alphaTarget: UnsafePointer<Float>
    let selfLoops: Bool
    let negativeSlope: Float
    /// The edge scores' features (no columns without edge scores).
    let features: LoopFilledEdgeFeatures
    /// heads × columns, or nil without edge scores.
    let projections: UnsafePointer<Float>?
    /// `EdgeScores.bias`.
    let projectionBias: UnsafePointer<Float>?

    /// Edges ahead whose a_src entry the score pass prefetches.
    static let alphaPrefetchDistance = 16

    init(graph: CSRGraph, x: UnsafePointer<Float>, heads: Int, channels: Int, alphaSource: UnsafePointer<Float>,
         alphaTarget: UnsafePointer<Float>, edges: AttentionAggregation.EdgeScores?, selfLoops: Bool,
         negativeSlope: Float) {
        self.graph = graph
        self.x = x
        self.heads = heads
        self.channels = channels
        self.alphaSource = alphaSource
        self.alphaTarget = alphaTarget
        self.selfLoops = selfLoops
        self.negativeSlope = negativeSlope
        features = LoopFilledEdgeFeatures(edges?.features)
        projections = edges?.projections
        projectionBias = edges?.bias
    }

    /// Pass 1: `scratch.scores[k, h]` = leakyReLU(a_src[u, h] + a_dst[v, h] + a_edge[k, h]) for each entry k
    /// of row v, and `scratch.best[h]` their maximum; an existing self loop that the added one replaces
    /// scores −∞. Returns the number of entries.
    @inline(__always)
    func score(_ v: Int, _ scratch: AttentionScratch) -> Int {
        let row = graph.row(v), first = row.lowerBound
        let entries = row.count + (selfLoops ? 1 : 0)
        guard entries > 0 else { return 0 }
        scratch.best.initialize(repeating: -.infinity, count: heads)
        var kept = 0
        features.startRow(scratch.loopFeatures)
        for k in 0..<row.count {
            let e = first + k, u = Int(graph.sources[e])
            // a_src is read at random (N × heads floats, more than L2 on large graphs): fetch ahead.
            if e + Self.alphaPrefetchDistance < graph.edgeCount {
                CacheLines.prefetch(alphaSource + Int(graph.sources[e + Self.alphaPrefetchDistance]) * heads,
                                    count: heads * MemoryLayout<Float>.stride)
            }
            if selfLoops && u == v {
                (scratch.scores + k * heads).initialize(repeating: -.infinity, count: heads)
                continue
            }
            kept += 1
            if let projections {
                let values = features.read(e, scratch: scratch.rawFeatures, addingTo: scratch.loopFeatures)
                AttentionAggregation.project(values, projections, bias: projectionBias, heads: heads, columns: features.columns,
                                             into: scratch.edgeScore)
            }
            entryScore(u, v, scratch, into: scratch.scores + k * heads)
        }
        if selfLoops {
            if let projections {
                features.finishLoop(scratch.loopFeatures, count: kept)
                AttentionAggregation.project(scratch.loopFeatures, projections, bias: kept > 0 ? projectionBias : nil,
                                             heads: heads, columns: features.columns, into: scratch.edgeScore)
            }
            entryScore(v, v, scratch, into: scratch.scores + row.count * heads)
        }
        return entries
    }

    /// score[h] = leakyReLU(a_src[u, h] + a_dst[v, h] + a_edge[h]), and the running maximum.
    @inline(__always)
    private func entryScore(_ u: Int, _ v: Int, _ scratch: AttentionScratch, into score: UnsafeMutablePointer<Float>) {
        let source = alphaSource + u * heads, target = alphaTarget + v * heads
        for h in 0..<heads {
            var value = source[h] + target[h] + scratch.edgeScore[h]
            if value < 0 { value *= negativeSlope }
            score[h] = value
            scratch.best[h] = max(scratch.best[h], value)
        }
    }

    /// Pass 2: the scores become exp(score − max) (a vector exp over the whole buffer, past its end into the
    /// rounding), and `scratch.denominator[h]` their sum + 1e-16.
    @inline(__always)
    func normalize(_ entries: Int, _ scratch: AttentionScratch) {
        let scores = scratch.scores
        for k in 0..<entries {
            for h in 0..<heads { scores[k * heads + h] -= scratch.best[h] }
        }
        var i = 0
        while i < entries * heads {
            RowVectors.store(VectorMath.exp(RowVectors.load(scores, i)), scores, i)
            i += RowVectors.width
        }
        for h in 0..<heads {
            var sum: Float = 0
            for k in 0..<entries { sum += scores[k * heads + h] }
            scratch.denominator[h] = sum + 1e-16
        }
    }

    /// For the cache-blocked sums: the normalised weights of row v's entries, per edge at `(e, h)` of
    /// `stored` (the weighted sums skip replaced loops); an added loop's go after the M edges, per node.
    @inline(__always)
    func storeWeights(_ v: Int, _ entries: Int, _ scratch: AttentionScratch, into stored: UnsafeMutablePointer<Float>) {
        let row = graph.row(v)
        for k in 0..<entries {
            let base = k < row.count ? (row.lowerBound + k) * heads : (graph.edgeCount + v) * heads
            for h in 0..<heads { stored[base + h] = scratch.scores[k * heads + h] / scratch.denominator[h] }
        }
    }

    /// Pass 3: target[h, :] = Σ_k weight[k, h] · x[u_k, h, :] / denominator[h], with `target` zeroed.
    @inline(__always)
    func weightedSum(_ v: Int, _ entries: Int, _ scratch: AttentionScratch, into target: UnsafeMutablePointer<Float>) {
        let row = graph.row(v), width = heads * channels
        for h in 0..<heads {
            let accumulator = target + h * channels
            for k in 0..<entries {
                let u = k < row.count ? Int(graph.sources[row.lowerBound + k]) : v
                if selfLoops && u == v && k < row.count { continue }
                AttentionAggregation.accumulate(x + u * width + h * channels, weight: scratch.scores[k * heads + h],
                                                channels: channels, into: accumulator)
            }
            let scale = 1 / scratch.denominator[h]
            for c in 0..<channels { accumulator[c] *= scale }
        }
    }
}

/// The working memory of one thread's block of rows, in one allocation: per-head running values, one
/// edge's features, and the scores of the longest row. O(heads · (longest row + 3) + 2 · columns) floats,
/// plus one row of output when unblocked rows are added to `out`.
private struct AttentionScratch {
    /// Per head: the row's maximum score.
    let best: UnsafeMutablePointer<Float>
    /// Per head: Σ exp(score − max) + 1e-16.
    let denominator: UnsafeMutablePointer<Float>
    /// Per head: the current entry's edge logit a_edge (zero without edge features).
    let edgeScore: UnsafeMutablePointer<Float>
    /// One edge's features converted to f32, when they are not stored as f32.
    let rawFeatures: UnsafeMutablePointer<Float>
    /// The added loop's features: the sum, then the mean, of the row's other edges' features.
    let loopFeatures: UnsafeMutablePointer<Float>
    /// Entries × heads scores, then weights, rounded up to whole vectors so that the exponentials can run
    /// a vector at a time past the end.
    let scores: UnsafeMutablePointer<Float>
    /// The row's aggregate before it is added to `out`, or nil.
    let rowSum: UnsafeMutablePointer<Float>?
    private let allocation: UnsafeMutablePointer<Float>

    init(heads: Int, columns: Int, longestRow: Int, rowSumWidth: Int) {
        let scoreCount = ((longestRow + 1) * heads + RowVectors.width - 1) / RowVectors.width * RowVectors.width
        allocation = .allocate(capacity: 3 * heads + 2 * columns + scoreCount + rowSumWidth)
        best = allocation
        denominator = best + heads
        edgeScore = denominator + heads
        rawFeatures = edgeScore + heads
        loopFeatures = rawFeatures + columns
        scores = loopFeatures + columns
        rowSum = rowSumWidth > 0 ? scores + scoreCount : nil
        edgeScore.initialize(repeating: 0, count: heads)
    }

    func deallocate() { allocation.deallocate() }
}
