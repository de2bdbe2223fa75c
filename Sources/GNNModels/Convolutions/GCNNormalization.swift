import GNNKernels

/// GCNConv's symmetric normalisation for one graph (PyG's `gcn_norm` with `add_remaining_self_loops`).
///
/// With self loops: existing loops are dropped and every node gets one loop of weight 1.
/// deg(v) = (non-loop edges into v) + 1;
/// an edge u→v gets deg(u)^-½ · deg(v)^-½, the loop gets weight · deg(v)^-1 (inf → 0 for deg 0).
/// Without self loops every edge, loops included, counts once.
///
/// `improved` (fill value 2) changes nothing here, exactly as in PyG 2.8: `gcn_norm` passes the fill value
/// to `add_remaining_self_loops` only together with edge weights, and a graph file has none, so PyG gives
/// every loop weight 1. gnn-serve reproduces PyG's numbers, not its documentation.
struct GCNNormalization: Sendable {
    /// Per-edge coefficient, CSR order (0 for skipped loops).
    let edgeWeights: [Float]
    /// Per-node loop coefficient (nil without added loops).
    let selfWeights: [Float]?
    let skipsSelfLoops: Bool

    /// `wholeDegrees`: for a shard, each row's (in-edges, self loops) in the whole graph, since a halo
    /// row's in-edges are not in the shard.
    init(_ graph: CSRGraph, addSelfLoops: Bool, wholeDegrees: UnsafeBufferPointer<UInt64>? = nil) {
        // Degrees of every source row (a shard's halo rows too: from `wholeDegrees`, their edges not being here).
        let n = graph.sourceCount
        var degree = [Float](repeating: 0, count: n)
        for v in 0..<n {
            if let wholeDegrees {
                let edges = wholeDegrees[2 * v], loops = wholeDegrees[2 * v + 1]
                degree[v] = Float(addSelfLoops ? edges - loops + 1 : edges)
                continue
            }
            for e in graph.row(v) where !(addSelfLoops && Int(graph.sources[e]) == v) { degree[v] += 1 }
            if addSelfLoops { degree[v] += 1 }
        }
        let inverseRoot = degree.map { $0 > 0 ? 1 / $0.squareRoot() : 0 }
        var weights = [Float](repeating: 0, count: graph.edgeCount)
        for v in 0..<graph.nodeCount {
            for e in graph.row(v) {
                let u = Int(graph.sources[e])
                if addSelfLoops && u == v { continue }
                weights[e] = inverseRoot[u] * inverseRoot[v]
            }
        }
        edgeWeights = weights
        selfWeights = addSelfLoops ? inverseRoot.map { $0 * $0 } : nil
        skipsSelfLoops = addSelfLoops
    }
}

extension GraphContext {
    /// out = Â·x, the propagation GCNConv and GCN2Conv share: with `normalize`, Σ over incoming edges with
    /// this graph's `GCNNormalization` coefficients (self loops as `addSelfLoops` says); without, the plain
    /// sum over incoming edges, existing loops included (PyG's `propagate` without edge weights).
    /// `completed` is `SumAggregation.run`'s per-block callback.
    ///
    /// Memory: the coefficients (M + N floats, kept for the graph), no per-call buffer.
    func gcnPropagate(_ x: UnsafePointer<Float>, channels: Int, normalize: Bool, addSelfLoops: Bool,
                      into out: UnsafeMutablePointer<Float>, completed: ((Range<Int>) -> Void)? = nil) {
        guard normalize else {
            return SumAggregation.run(csr, x: x, channels: channels, into: out, completed: completed)
        }
        let coefficients = gcnNormalization(addSelfLoops: addSelfLoops)
        coefficients.edgeWeights.withUnsafeBufferPointer { edgeWeights in
            withOptionalPointer(coefficients.selfWeights) { selfWeights in
                SumAggregation.run(csr, x: x, channels: channels, edgeWeights: edgeWeights.baseAddress, selfWeights: selfWeights,
                                   skipSelfLoops: coefficients.skipsSelfLoops, into: out, completed: completed)
            }
        }
    }
}
