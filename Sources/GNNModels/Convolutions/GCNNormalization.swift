import GNNKernels

/// GCNConv's symmetric normalisation for one graph (PyG's `gcn_norm` with `add_remaining_self_loops`).
///
/// With self loops: existing loops are dropped and every node gets one loop of weight 1 if it had a loop,
/// else the fill value (1, or 2 when `improved`). deg(v) = (non-loop edges into v) + loop weight;
/// an edge u→v gets deg(u)^-½ · deg(v)^-½, the loop gets weight · deg(v)^-1 (inf → 0 for deg 0).
/// Without self loops every edge, loops included, counts once.
struct GCNNormalization: Sendable {
    struct Key: Hashable {
        var improved: Bool
        var addSelfLoops: Bool
    }

    /// Per-edge coefficient, CSR order (0 for skipped loops).
    let edgeWeights: [Float]
    /// Per-node loop coefficient (nil without added loops).
    let selfWeights: [Float]?
    let skipsSelfLoops: Bool

    init(_ graph: CSRGraph, improved: Bool, addSelfLoops: Bool) {
        let n = graph.nodeCount
        var loopWeight = [Float](repeating: improved ? 2 : 1, count: n)
        var degree = [Float](repeating: 0, count: n)
        for v in 0..<n {
            for e in graph.row(v) {
                if addSelfLoops && Int(graph.sources[e]) == v {
                    loopWeight[v] = 1
                } else {
                    degree[v] += 1
                }
            }
            if addSelfLoops { degree[v] += loopWeight[v] }
        }
        let inverseRoot = degree.map { $0 > 0 ? 1 / $0.squareRoot() : 0 }
        var weights = [Float](repeating: 0, count: graph.edgeCount)
        for v in 0..<n {
            for e in graph.row(v) {
                let u = Int(graph.sources[e])
                if addSelfLoops && u == v { continue }
                weights[e] = inverseRoot[u] * inverseRoot[v]
            }
        }
        edgeWeights = weights
        selfWeights = addSelfLoops ? (0..<n).map { loopWeight[$0] * inverseRoot[$0] * inverseRoot[$0] } : nil
        skipsSelfLoops = addSelfLoops
    }
}
