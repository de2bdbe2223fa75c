/// The adjacency kernels read: CSR by destination (row v lists the sources of v's incoming edges).
///
/// A view over memory owned elsewhere (usually a mapped graph file).
public struct CSRGraph: @unchecked Sendable {
    /// Rows with edges: the destinations kernels compute (on a shard, its owned rows).
    public let nodeCount: Int
    /// Rows the sources name, `nodeCount` or more: a shard's halo rows follow its owned rows and have no
    /// edges of their own, so the rows a kernel gathers are `sourceCount` rows of which it writes the first
    /// `nodeCount`.
    public let sourceCount: Int
    public let edgeCount: Int
    /// `nodeCount` + 1 row offsets into `sources`.
    public let offsets: UnsafePointer<UInt64>
    /// M source node ids, each below `sourceCount`.
    public let sources: UnsafePointer<UInt32>
    /// Whether each row's sources are in ascending order, which lets kernels walk a row one source range
    /// at a time.
    public let rowsSorted: Bool
    /// Nodes of the whole graph when this is one shard of it (`nodeCount` otherwise), and whether the whole
    /// graph's rows are sorted. Kernels that have a cache-blocked and a one-pass path, which round
    /// differently, choose by these, not by this graph's own: every shard then takes the path the whole
    /// graph takes and computes its rows to the same bits, however many rows it has and in whatever order
    /// its numbering puts each row's sources.
    public let wholeNodeCount: Int
    public let wholeRowsSorted: Bool

    /// `sourceCount`, `wholeNodeCount`, `wholeRowsSorted`: see there (nil: those of this graph, unsharded).
    public init(nodeCount: Int, sourceCount: Int? = nil, edgeCount: Int, offsets: UnsafePointer<UInt64>,
                sources: UnsafePointer<UInt32>, rowsSorted: Bool = false, wholeNodeCount: Int? = nil,
                wholeRowsSorted: Bool? = nil) {
        self.nodeCount = nodeCount
        self.sourceCount = sourceCount ?? nodeCount
        self.wholeNodeCount = wholeNodeCount ?? nodeCount
        self.wholeRowsSorted = wholeRowsSorted ?? rowsSorted
        self.edgeCount = edgeCount
        self.offsets = offsets
        self.sources = sources
        self.rowsSorted = rowsSorted
    }

    /// The edge positions of row `v`.
    @inline(__always)
    public func row(_ v: Int) -> Range<Int> { Int(offsets[v])..<Int(offsets[v + 1]) }

    /// Edges ahead whose source row the gathers ask for while they work on the current one (GENConv's
    /// messages, GATv2's entries, and the runs of the cache-blocked sums, `RunAccumulation`). RevGEN-7 on
    /// the arxiv-shaped graph spent 92 % of the gather's samples on the first load of the source row
    /// without it (perf annotate); 4, 8, 16 and 32 edges ahead ran alike, within the machine's noise.
    static let gatherPrefetchDistance = 8

    /// Asks for the cache lines of edge `edge`'s source row in `x` (rows of `rowBytes` bytes), if that edge
    /// exists and `sources[edge]` is below `limit`. Gathers that read sources at random are bound by the
    /// latency of each row, not its bytes; fetching a few edges ahead overlaps those waits.
    @inline(__always)
    func prefetchSourceRow(ofEdge edge: Int, in x: UnsafeRawPointer, rowBytes: Int, below limit: UInt32 = .max) {
        guard edge < edgeCount else { return }
        let u = sources[edge]
        guard u < limit else { return }
        CacheLines.prefetch(x + Int(u) * rowBytes, count: rowBytes)
    }
}

/// Per-edge features, read one edge at a time in CSR order (never expanded to an M × channels buffer).
///
/// f32 features are read in place; other storage types are converted an edge at a time by `convert`.
/// Kernels take `values` out before their loops, so that the common f32 case touches no reference count.
public struct EdgeFeatureRows: @unchecked Sendable {
    public let columns: Int
    /// The features as f32 where they are stored (edge e's start at e · columns), or nil.
    public let values: UnsafePointer<Float>?
    /// Writes edge e's features as f32 into `out`, when `values` is nil.
    public let convert: (@Sendable (_ e: Int, _ out: UnsafeMutablePointer<Float>) -> Void)?

    /// Features stored as f32, read in place.
    public init(columns: Int, values: UnsafePointer<Float>) {
        self.columns = columns
        self.values = values
        self.convert = nil
    }

    /// Features in another storage type, converted by `convert`.
    public init(columns: Int, convert: @escaping @Sendable (Int, UnsafeMutablePointer<Float>) -> Void) {
        self.columns = columns
        self.values = nil
        self.convert = convert
    }

    /// Edge e's features: in place, or converted into `scratch` (`columns` floats).
    @inline(__always)
    public func read(_ e: Int, scratch: UnsafeMutablePointer<Float>) -> UnsafePointer<Float> {
        if let values { return values + e * columns }
        convert!(e, scratch)
        return UnsafePointer(scratch)
    }
}
