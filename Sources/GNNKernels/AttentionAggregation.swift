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

    /// - x: N × heads·channels (the conv's projected features), alphaSource/alphaTarget: N × heads.
    /// - out: N × heads·channels.
    ///
    /// Each row is done in three passes: scores and their per-head maximum (kept in a per-thread buffer of
    /// degree × heads floats), the exponentials and their sums, then the weighted sum of source rows
    /// eight channels at a time.
    public static func run(_ graph: CSRGraph, x: UnsafePointer<Float>, heads: Int, channels: Int,
                           alphaSource: UnsafePointer<Float>, alphaTarget: UnsafePointer<Float>,
                           edges: EdgeScores?, selfLoops: Bool, negativeSlope: Float,
                           weightScratch: UnsafeMutablePointer<Float>? = nil,
                           into out: UnsafeMutablePointer<Float>) {
        let width = heads * channels
        // For an x larger than the cache, store the attention weights (M × heads, never M × channels) and
        // do the weighted sums cache-blocked by source range, as `SumAggregation` does.
        let blocked = weightScratch != nil && channels % RowVectors.width == 0
            && SourceBlocking.applies(to: graph, rowBytes: width * 4)
        let weights = UnsafeSendableBox(weightScratch)
        let xs = UnsafeSendableBox(x), os = UnsafeSendableBox(out)
        let srcs = UnsafeSendableBox(alphaSource), dsts = UnsafeSendableBox(alphaTarget)
        let columns = edges?.features.columns ?? 0
        KernelThreads.forEachBlock(rows: graph.nodeCount) { rows in
            var longest = 0
            for v in rows { longest = max(longest, graph.row(v).count) }
            let entries = longest + 1
            // Rounded up to whole vectors so the exponentials can run eight at a time past the end.
            let scores = UnsafeMutablePointer<Float>.allocate(capacity: (entries * heads + 7) / 8 * 8)
            let neighbours = UnsafeMutablePointer<Int>.allocate(capacity: entries)
            let edgeOf = UnsafeMutablePointer<Int>.allocate(capacity: entries)
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: 2 * heads + 2 * columns + 1)
            defer { scores.deallocate(); neighbours.deallocate(); edgeOf.deallocate(); scratch.deallocate() }
            let best = scratch, denominator = scratch + heads
            let raw = scratch + 2 * heads, loopFeatures = raw + columns

            for v in rows {
                // Pass 1: the neighbours (with one self loop), their scores, the maximum per head.
                var count = 0
                if columns > 0 { loopFeatures.initialize(repeating: 0, count: columns) }
                for e in graph.row(v) {
                    let u = Int(graph.sources[e])
                    if selfLoops && u == v {
                        if blocked { for h in 0..<heads { weights.value![e * heads + h] = 0 } }
                        continue
                    }
                    neighbours[count] = u
                    edgeOf[count] = e
                    let score = scores + count * heads
                    if let edges {
                        edges.features.read(e, raw)
                        for k in 0..<columns { loopFeatures[k] += raw[k] }
                        project(raw, edges.projections, heads: heads, columns: columns, into: score)
                    } else {
                        score.initialize(repeating: 0, count: heads)
                    }
                    count += 1
                }
                if selfLoops {
                    neighbours[count] = v
                    edgeOf[count] = -1
                    let score = scores + count * heads
                    if let edges {
                        // The added loop's features are the mean of the row's other edges (PyG's fill "mean").
                        if count > 0 { for k in 0..<columns { loopFeatures[k] /= Float(count) } }
                        project(loopFeatures, edges.projections, heads: heads, columns: columns, into: score)
                    } else {
                        score.initialize(repeating: 0, count: heads)
                    }
                    count += 1
                }
                let target = os.value + v * width
                target.initialize(repeating: 0, count: width)
                guard count > 0 else { continue }
                best.initialize(repeating: -.infinity, count: heads)
                for k in 0..<count {
                    let u = neighbours[k], score = scores + k * heads
                    for h in 0..<heads {
                        var value = srcs.value[u * heads + h] + dsts.value[v * heads + h] + score[h]
                        if value < 0 { value *= negativeSlope }
                        score[h] = value
                        best[h] = max(best[h], value)
                    }
                }
                // Pass 2: weights (a vector exp over the whole buffer) and their sums.
                for k in 0..<count {
                    for h in 0..<heads { scores[k * heads + h] -= best[h] }
                }
                var i = 0
                while i < count * heads {
                    RowVectors.store(VectorMath.exp(RowVectors.load(scores, i)), scores, i)
                    i += RowVectors.width
                }
                denominator.initialize(repeating: 0, count: heads)
                for k in 0..<count {
                    for h in 0..<heads { denominator[h] += scores[k * heads + h] }
                }
                if blocked {
                    // Normalised weights per edge; an added loop's go after the M edges, per node.
                    let stored = weights.value!
                    for k in 0..<count {
                        let base = edgeOf[k] >= 0 ? edgeOf[k] * heads : (graph.edgeCount + v) * heads
                        for h in 0..<heads { stored[base + h] = scores[k * heads + h] / (denominator[h] + 1e-16) }
                    }
                    continue
                }
                // Pass 3: the weighted sum of neighbour rows, normalised.
                for h in 0..<heads {
                    let accumulator = target + h * channels
                    for k in 0..<count {
                        accumulate(xs.value + neighbours[k] * width + h * channels, weight: scores[k * heads + h],
                                   channels: channels, into: accumulator)
                    }
                    let scale = 1 / (denominator[h] + 1e-16)
                    for c in 0..<channels { accumulator[c] *= scale }
                }
            }
        }
        if blocked {
            weightedSumsBlocked(graph, x: x, heads: heads, channels: channels, weights: weightScratch!,
                                selfLoops: selfLoops, into: out)
        }
    }

    /// out[v, h, :] = Σ_e w[e, h] · x[u, h, :] (+ the added loop's w · x[v, h, :]), with `SourceBlocking`.
    private static func weightedSumsBlocked(_ graph: CSRGraph, x: UnsafePointer<Float>, heads: Int, channels: Int,
                                            weights: UnsafeMutablePointer<Float>, selfLoops: Bool,
                                            into out: UnsafeMutablePointer<Float>) {
        let n = graph.nodeCount, width = heads * channels
        let xs = UnsafeSendableBox(x), os = UnsafeSendableBox(out), ws = UnsafeSendableBox(weights)
        SourceBlocking.forEachRun(graph, rowBytes: width * 4) { v, edges in
            let target = os.value + v * width
            for e in edges {
                let u = Int(graph.sources[e])
                if selfLoops && u == v { continue }
                for h in 0..<heads {
                    accumulate(xs.value + u * width + h * channels, weight: ws.value[e * heads + h],
                               channels: channels, into: target + h * channels)
                }
            }
        }
        guard selfLoops else { return }
        KernelThreads.forEachBlock(rows: n) { rows in
            for v in rows {
                for h in 0..<heads {
                    accumulate(xs.value + v * width + h * channels, weight: ws.value[(graph.edgeCount + v) * heads + h],
                               channels: channels, into: os.value + v * width + h * channels)
                }
            }
        }
    }

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
