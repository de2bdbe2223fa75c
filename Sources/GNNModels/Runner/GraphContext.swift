import GNNFormats
import GNNKernels

/// The graph a forward pass runs on: CSR adjacency, edge features read per edge, and per-graph values
/// that convolutions derive once (GCN's normalisation coefficients).
final class GraphContext: @unchecked Sendable {
    let csr: CSRGraph
    let edgeFeatures: EdgeFeatureRows?
    /// For a shard: refreshes its halo rows before an aggregation reads them; nil for a whole graph.
    private let halo: (any HaloExchange)?
    /// Sums over the graph's rows (solver residuals, norm moments): over this shard's own rows, merged
    /// across the set, for a shard.
    let nodeSums: NodeSums
    /// For a shard: each row's (in-edges, self loops) in the whole graph, which GCN's source degrees need.
    let wholeDegrees: UnsafeBufferPointer<UInt64>?
    private let file: GraphFile
    private var narrowedSources: UnsafeMutableBufferPointer<UInt32>?
    private var gcnCoefficients: [Bool: GCNNormalization] = [:]

    /// `shard` (for a shard only): its layout and the merge of its sums with the set's.
    init(_ file: GraphFile, halo: (any HaloExchange)? = nil, shard: (layout: ShardLayout, merge: any ShardSumMerge)? = nil) {
        self.file = file
        self.halo = halo
        let rows = Self.computedRows(file, shard?.layout)
        nodeSums = NodeSums(rows: rows, wholeRows: shard?.layout.wholeNodeCount, merge: shard?.merge)
        wholeDegrees = file.shardDegrees
        let sources: UnsafePointer<UInt32>
        switch file.sources {
        case .u32(let buffer):
            sources = buffer.baseAddress ?? UnsafePointer(bitPattern: 4)!
        case .u64(let buffer):
            // Kernels read 32-bit ids; wide files (from other writers) are narrowed once.
            let narrowed = UnsafeMutableBufferPointer<UInt32>.allocate(capacity: max(buffer.count, 1))
            for (i, value) in buffer.enumerated() { narrowed[i] = UInt32(truncatingIfNeeded: value) }
            narrowedSources = narrowed
            sources = UnsafePointer(narrowed.baseAddress!)
        }
        // The optional bits are the whole file's: a shard's sources keep the whole file's order, which is not
        // ascending in its numbering.
        let wholeRowsSorted = file.features.contains(.sortedRows)
        csr = CSRGraph(nodeCount: rows, sourceCount: file.nodeCount, edgeCount: file.edgeCount,
                       offsets: file.rowOffsets.baseAddress!, sources: sources,
                       rowsSorted: shard == nil && wholeRowsSorted, wholeNodeCount: shard?.layout.wholeNodeCount,
                       wholeRowsSorted: wholeRowsSorted)
        edgeFeatures = file.edgeFeatures.map(EdgeFeatureRows.init)
    }

    deinit { narrowedSources?.deallocate() }

    /// Rows a pass over `file` computes: all of a whole graph's, a shard's owned rows. These come first
    /// (formats/graph.md §6.2), and the halo rows after them exist only in the buffers aggregations gather
    /// (`sourceRowCount`).
    static func computedRows(_ file: GraphFile, _ shard: ShardLayout?) -> Int { shard?.ownedCount ?? file.nodeCount }

    /// Rows a pass computes and keeps state for: every node of a whole graph, a shard's owned rows.
    var nodeCount: Int { csr.nodeCount }

    /// Whether this is one shard of a graph, whose halo rows each conv's input must have filled.
    var isShard: Bool { halo != nil }

    /// Rows of the buffers a convolution gathers from (`exchangeHalo`'s): `nodeCount` plus, on a shard, its
    /// halo rows after them.
    var sourceRowCount: Int { csr.sourceCount }

    /// The input features are read once, by the first layer; afterwards their pages can go.
    func releaseNodeFeatures() { file.releaseNodeFeatures() }

    /// `releaseNodeFeatures` for the rows an input layer has read (`RowBlocks.linearIntoGroups`).
    func releaseNodeFeatures(rows: Range<Int>) { file.releaseNodeFeatures(rows: rows) }

    /// Fills the halo rows of `x` (`sourceRowCount` × `columns`, float32 or 16-bit; rows `nodeCount...`)
    /// with their owners' rows, before a convolution aggregates over `x`; nothing on a whole graph.
    func exchangeHalo<E: StateElement>(_ x: UnsafeMutablePointer<E>, columns: Int) {
        halo?.exchange(UnsafeMutableRawPointer(x), rowBytes: columns * MemoryLayout<E>.stride)
    }

    /// GCN's coefficients for this graph, computed on first use.
    func gcnNormalization(addSelfLoops: Bool) -> GCNNormalization {
        if let cached = gcnCoefficients[addSelfLoops] { return cached }
        let coefficients = GCNNormalization(csr, addSelfLoops: addSelfLoops, wholeDegrees: wholeDegrees)
        gcnCoefficients[addSelfLoops] = coefficients
        return coefficients
    }
}

extension EdgeFeatureRows {
    /// A graph file's edge features as the kernels read them: in place when stored as f32, else converted
    /// an edge at a time.
    public init(_ matrix: FloatMatrix) {
        if matrix.dtype == .float32, let base = matrix.base {
            self.init(columns: matrix.columns, values: base.assumingMemoryBound(to: Float.self))
        } else {
            self.init(columns: matrix.columns) { e, out in matrix.copyRows(e..<e + 1, into: out) }
        }
    }
}
