import CMetis
import GNNFormats

/// How `pack` orders the nodes in the file.
public enum NodeOrderMode: String, CaseIterable, Sendable {
    /// Input order: file row v is input node v.
    case none
    /// Nodes grouped by METIS k-way parts of about `NodeOrdering.partNodes` nodes, so that most of a node's
    /// neighbours are stored near it and the aggregations' gathers hit the cache.
    case metis
}

/// A permutation of the nodes: `inputID[row]` is the input node stored at file row `row`, and
/// `row[inputID]` its inverse.
public struct NodeOrdering: Sendable {
    public let inputID: [UInt32]
    public let row: [UInt32]
    /// Parts the nodes are grouped by.
    public let parts: Int

    /// The default nodes per METIS part. A part's rows of 64 f32 channels (a hidden-128, 2-group model) are then
    /// 512 KiB, within one core's L2, and so are most of the rows its nodes gather.
    public static let partNodes = 2048

    /// The METIS ordering of the graph of `edges` on `nodeCount` nodes, taken as undirected (edges in either
    /// direction count once, self loops are ignored), in parts of about `partNodes` nodes; nil when that
    /// makes one part.
    ///
    /// Memory: the symmetric adjacency in METIS's 32-bit indices, plus METIS's own working memory, which
    /// dominates: the whole pack of the products-shaped graph (124M edges, 1196 parts) peaked at 16.3 GiB
    /// and took 11 minutes.
    public static func metis(nodeCount: Int, edges: some EdgeSource, partNodes: Int = partNodes,
                             progress: ProgressSink?) throws -> NodeOrdering? {
        let parts = (nodeCount + max(partNodes, 1) - 1) / max(partNodes, 1)
        guard parts > 1 else { return nil }
        let part = try metisParts(nodeCount: nodeCount, edges: edges, parts: parts, instead: "--reorder none", progress: progress)
        return grouping(part, parts: parts)
    }

    /// METIS k-way parts (seed 1) of the graph of `edges` taken as undirected: the part of every node.
    /// `instead` is the pack option that avoids METIS, for the error when it fails.
    static func metisParts(nodeCount: Int, edges: some EdgeSource, parts: Int, instead: String,
                           progress: ProgressSink?) throws -> [Int] {
        var (xadj, adjncy) = try metisAdjacency(nodeCount: nodeCount, edges: edges, progress: progress)
        progress?.report("partitioning into \(parts) parts", 0)
        var part = [idx_t](repeating: 0, count: nodeCount)
        var options = [idx_t](repeating: 0, count: Int(METIS_NOPTIONS))
        METIS_SetDefaultOptions(&options)
        options[Int(METIS_OPTION_SEED.rawValue)] = 1
        var vertices = idx_t(nodeCount), constraints: idx_t = 1, partCount = idx_t(parts), cut: idx_t = 0
        let status = METIS_PartGraphKway(&vertices, &constraints, &xadj, &adjncy, nil, nil, nil, &partCount,
                                         nil, nil, &options, &cut, &part)
        guard status == Int32(METIS_OK.rawValue) else {
            throw GNNError("METIS could not partition the graph (status \(status))", in: edges.location,
                           fix: status == Int32(METIS_ERROR_MEMORY.rawValue) ? "free memory or pack with \(instead)" : "pack with \(instead)")
        }
        progress?.report("partitioning into \(parts) parts", 1)
        return part.map { Int($0) }
    }

    /// The undirected graph of `edges` without self loops or repeats, in METIS's 32-bit CSR arrays (`xadj`,
    /// `adjncy`). The u32 CSR it is built from is freed on return, before METIS allocates its own memory.
    private static func metisAdjacency(nodeCount: Int, edges: some EdgeSource,
                                       progress: ProgressSink?) throws -> ([idx_t], [idx_t]) {
        let symmetric = try CSRBuilder.build(
            nodeCount: nodeCount, edges: edges,
            options: AdjacencyOptions(undirected: true, selfLoops: .remove, duplicates: .remove),
            trackOrigins: false, progress: progress.map { StageProgress($0, prefix: "ordering: ") })
        guard nodeCount < Int(Int32.max), symmetric.edgeCount < Int(Int32.max) else {
            throw GNNError("the undirected graph has \(nodeCount) nodes and \(symmetric.edgeCount) edge entries; METIS's 32-bit indices hold at most \(Int32.max)",
                           in: edges.location, fix: "pack it with --reorder none")
        }
        return (symmetric.offsets.map { idx_t(truncatingIfNeeded: $0) }, symmetric.sources.map { idx_t(truncatingIfNeeded: $0) })
    }

    /// Nodes grouped by part (parts in ascending order), in input order within a part.
    static func grouping(_ part: [Int], parts: Int) -> NodeOrdering {
        var start = [Int](repeating: 0, count: parts + 1)
        for p in part { start[p + 1] += 1 }
        for p in 0..<parts { start[p + 1] += start[p] }
        var inputID = [UInt32](repeating: 0, count: part.count)
        var row = [UInt32](repeating: 0, count: part.count)
        for (v, p) in part.enumerated() {
            inputID[start[p]] = UInt32(v)
            row[v] = UInt32(start[p])
            start[p] += 1
        }
        return NodeOrdering(inputID: inputID, row: row, parts: parts)
    }
}

/// Relabels every in-range node id of `base` to its file row; out-of-range ids pass through so that the
/// CSR builder reports them as the input gave them.
struct RelabeledEdges: EdgeSource {
    let base: any EdgeSource
    let row: [UInt32]

    var edgeCount: Int { base.edgeCount }
    var location: String { base.location }

    func forEachChunk(_ body: (Int, UnsafeBufferPointer<Int64>, UnsafeBufferPointer<Int64>) throws -> Void) throws {
        var sources: [Int64] = [], destinations: [Int64] = []
        let n = Int64(row.count)
        try base.forEachChunk { first, s, d in
            sources.removeAll(keepingCapacity: true)
            destinations.removeAll(keepingCapacity: true)
            for k in 0..<s.count {
                sources.append(s[k] >= 0 && s[k] < n ? Int64(row[Int(s[k])]) : s[k])
                destinations.append(d[k] >= 0 && d[k] < n ? Int64(row[Int(d[k])]) : d[k])
            }
            try sources.withUnsafeBufferPointer { s in
                try destinations.withUnsafeBufferPointer { d in try body(first, s, d) }
            }
        }
    }
}

/// Reports another step's progress under a prefixed stage name ("ordering: reading edges").
private struct StageProgress: ProgressSink {
    let base: any ProgressSink
    let prefix: String

    init(_ base: any ProgressSink, prefix: String) {
        self.base = base
        self.prefix = prefix
    }

    func report(_ stage: String, _ fraction: Double) { base.report(prefix + stage, fraction) }
}
