import GNNConcurrency
import CPrefetch
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

        public init(features: EdgeFeatureRows, projections: UnsafePointer<Float>) {
            self.features = features
            self.projections = projections
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
    /// scores and their per-head maximum (in a per-thread buffer of degree × heads floats; an existing self
    /// loop that the added one replaces scores −∞), the exponentials and their sums, then the weighted sum
    /// of source rows eight channels at a time.
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
        let weights = UnsafeTransfer(weightScratch)
        let xs = UnsafeTransfer(x), os = UnsafeTransfer(out)
        let srcs = UnsafeTransfer(alphaSource), dsts = UnsafeTransfer(alphaTarget)
        let columns = edges?.features.columns ?? 0
        // Plain values out of `edges` before the loops (no reference counting per edge).
        let featureValues = UnsafeTransfer(edges?.features.values)
        let projections = UnsafeTransfer(edges?.projections)
        KernelThreads.forEachBlock(rows: graph.nodeCount) { rows in
            var longest = 0
            for v in rows { longest = max(longest, graph.row(v).count) }
            // Rounded up to whole vectors so the exponentials can run eight at a time past the end.
            let scores = UnsafeMutablePointer<Float>.allocate(capacity: ((longest + 1) * heads + 7) / 8 * 8)
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: 3 * heads + 2 * columns + 1 + (adding ? width : 0))
            defer { scores.deallocate(); scratch.deallocate() }
            // One-pass rows are summed and scaled here first when they are added to `out`.
            let rowSum = scratch + 3 * heads + 2 * columns + 1
            let best = scratch, denominator = scratch + heads, edgeScore = scratch + 2 * heads
            let raw = scratch + 3 * heads, loopFeatures = raw + columns
            edgeScore.initialize(repeating: 0, count: heads)

            /// score[h] = leakyReLU(a_src[u, h] + a_dst[v, h] + a_edge[h]), and the running maximum.
            @inline(__always)
            func score(_ u: Int, _ v: Int, into score: UnsafeMutablePointer<Float>) {
                let source = srcs.value + u * heads, target = dsts.value + v * heads
                for h in 0..<heads {
                    var value = source[h] + target[h] + edgeScore[h]
                    if value < 0 { value *= negativeSlope }
                    score[h] = value
                    best[h] = max(best[h], value)
                }
            }

            for v in rows {
                let row = graph.row(v), first = row.lowerBound
                let entries = row.count + (selfLoops ? 1 : 0)
                let target = adding && !blocked ? rowSum : os.value + v * width
                if !(adding && blocked) { target.initialize(repeating: 0, count: width) }
                guard entries > 0 else { continue }
                // Pass 1: scores and the maximum per head.
                best.initialize(repeating: -.infinity, count: heads)
                var kept = 0
                if columns > 0 { loopFeatures.initialize(repeating: 0, count: columns) }
                for k in 0..<row.count {
                    let e = first + k, u = Int(graph.sources[e])
                    // a_src is read at random (N × heads floats, more than L2 on large graphs): fetch ahead.
                    if e + alphaPrefetchDistance < graph.edgeCount {
                        gnn_prefetch(srcs.value + Int(graph.sources[e + alphaPrefetchDistance]) * heads)
                    }
                    if selfLoops && u == v {
                        (scores + k * heads).initialize(repeating: -.infinity, count: heads)
                        continue
                    }
                    kept += 1
                    if let projections = projections.value {
                        let features = featureValues.value.map { $0 + e * columns } ?? edges!.features.read(e, scratch: raw)
                        for c in 0..<columns { loopFeatures[c] += features[c] }
                        project(features, projections, heads: heads, columns: columns, into: edgeScore)
                    }
                    score(u, v, into: scores + k * heads)
                }
                if selfLoops {
                    if let projections = projections.value {
                        // The added loop's features are the mean of the row's other edges (PyG's fill "mean").
                        if kept > 0 { for c in 0..<columns { loopFeatures[c] /= Float(kept) } }
                        project(loopFeatures, projections, heads: heads, columns: columns, into: edgeScore)
                    }
                    score(v, v, into: scores + row.count * heads)
                }
                // Pass 2: weights (a vector exp over the whole buffer) and their sums.
                for k in 0..<entries {
                    for h in 0..<heads { scores[k * heads + h] -= best[h] }
                }
                var i = 0
                while i < entries * heads {
                    RowVectors.store(VectorMath.exp(RowVectors.load(scores, i)), scores, i)
                    i += RowVectors.width
                }
                for h in 0..<heads {
                    var sum: Float = 0
                    for k in 0..<entries { sum += scores[k * heads + h] }
                    denominator[h] = sum + 1e-16
                }
                if blocked {
                    // Normalised weights per edge (the weighted sums skip replaced loops); an added loop's go
                    // after the M edges, per node.
                    let stored = weights.value!
                    for k in 0..<entries {
                        let base = k < row.count ? (first + k) * heads : (graph.edgeCount + v) * heads
                        for h in 0..<heads { stored[base + h] = scores[k * heads + h] / denominator[h] }
                    }
                    continue
                }
                // Pass 3: the weighted sum of neighbour rows, normalised.
                for h in 0..<heads {
                    let accumulator = target + h * channels
                    for k in 0..<entries {
                        let u = k < row.count ? Int(graph.sources[first + k]) : v
                        if selfLoops && u == v && k < row.count { continue }
                        accumulate(xs.value + u * width + h * channels, weight: scores[k * heads + h],
                                   channels: channels, into: accumulator)
                    }
                    let scale = 1 / denominator[h]
                    for c in 0..<channels { accumulator[c] *= scale }
                }
                if adding { accumulate(rowSum, weight: 1, channels: width, into: os.value + v * width) }
            }
            if !blocked { completed?(rows) }
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
        let xs = UnsafeTransfer(x), os = UnsafeTransfer(out), ws = UnsafeTransfer(weights)
        SourceBlocking.forEachRun(graph, gathering: x, rowBytes: width * 4, startingBlock: { _ in }, finishingBlock: { rows in
            for v in rows where selfLoops {
                for h in 0..<heads {
                    accumulate(xs.value + v * width + h * channels, weight: ws.value[(graph.edgeCount + v) * heads + h],
                               channels: channels, into: os.value + v * width + h * channels)
                }
            }
            completed?(rows)
        }) { v, first, end, limit in
            var runEnd = first
            for h in 0..<heads {
                runEnd = RunAccumulation.add(xs.value, rowStride: width, columnOffset: h * channels, channels: channels,
                                             sources: graph.sources, from: first, end: end, below: limit,
                                             skipping: selfLoops ? v : -1, weights: ws.value + h, weightStride: heads,
                                             into: os.value + v * width + h * channels)
            }
            return runEnd
        }
    }

    /// Edges ahead whose a_src entry the score pass prefetches.
    private static let alphaPrefetchDistance = 16

    /// accumulator += weight · values, eight channels at a time where possible.
    @inline(__always)
    private static func accumulate(_ values: UnsafePointer<Float>, weight: Float, channels: Int,
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

    @inline(__always)
    private static func project(_ features: UnsafePointer<Float>, _ projections: UnsafePointer<Float>,
                                heads: Int, columns: Int, into scores: UnsafeMutablePointer<Float>) {
        for h in 0..<heads {
            var value: Float = 0
            for k in 0..<columns { value += features[k] * projections[h * columns + k] }
            scores[h] = value
        }
    }
}
