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
    public static func run(_ graph: CSRGraph, x: UnsafePointer<Float>, heads: Int, channels: Int,
                           alphaSource: UnsafePointer<Float>, alphaTarget: UnsafePointer<Float>,
                           edges: EdgeScores?, selfLoops: Bool, negativeSlope: Float,
                           into out: UnsafeMutablePointer<Float>) {
        let width = heads * channels
        let xs = UnsafeSendableBox(x), os = UnsafeSendableBox(out)
        let srcs = UnsafeSendableBox(alphaSource), dsts = UnsafeSendableBox(alphaTarget)
        let columns = edges?.features.columns ?? 0
        KernelThreads.forEachBlock(rows: graph.nodeCount) { rows in
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: 3 * heads + 2 * columns + 1)
            defer { scratch.deallocate() }
            let best = scratch, denominator = scratch + heads, edgeScore = scratch + 2 * heads
            let raw = scratch + 3 * heads, loopFeatures = raw + columns
            for v in rows {
                let target = os.value + v * width
                target.initialize(repeating: 0, count: width)
                best.initialize(repeating: -.infinity, count: heads)
                denominator.initialize(repeating: 0, count: heads)
                let row = graph.row(v)

                func accumulate(source u: Int, edgeScores: UnsafePointer<Float>?) {
                    for h in 0..<heads {
                        var score = srcs.value[u * heads + h] + dsts.value[v * heads + h] + (edgeScores?[h] ?? 0)
                        if score < 0 { score *= negativeSlope }
                        let values = xs.value + u * width + h * channels
                        let accumulator = target + h * channels
                        if score > best[h] {
                            let rescale = exp(best[h] - score)
                            denominator[h] = denominator[h] * rescale + 1
                            for c in 0..<channels { accumulator[c] = accumulator[c] * rescale + values[c] }
                            best[h] = score
                        } else {
                            let weight = exp(score - best[h])
                            denominator[h] += weight
                            for c in 0..<channels { accumulator[c] += weight * values[c] }
                        }
                    }
                }

                if columns > 0 { loopFeatures.initialize(repeating: 0, count: columns) }
                var counted = 0
                for e in row {
                    let u = Int(graph.sources[e])
                    if selfLoops && u == v { continue }
                    if let edges {
                        edges.features.read(e, raw)
                        for k in 0..<columns { loopFeatures[k] += raw[k] }
                        project(raw, edges.projections, heads: heads, columns: columns, into: edgeScore)
                        accumulate(source: u, edgeScores: edgeScore)
                    } else {
                        accumulate(source: u, edgeScores: nil)
                    }
                    counted += 1
                }
                if selfLoops {
                    if let edges {
                        // The added loop's features are the mean of the row's other edges (PyG's fill "mean").
                        if counted > 0 { for k in 0..<columns { loopFeatures[k] /= Float(counted) } }
                        project(loopFeatures, edges.projections, heads: heads, columns: columns, into: edgeScore)
                        accumulate(source: v, edgeScores: edgeScore)
                    } else {
                        accumulate(source: v, edgeScores: nil)
                    }
                }
                for h in 0..<heads where denominator[h] > 0 {
                    let accumulator = target + h * channels
                    let scale = 1 / (denominator[h] + 1e-16)
                    for c in 0..<channels { accumulator[c] *= scale }
                }
            }
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
