/// The adjacency kernels read: CSR by destination (row v lists the sources of v's incoming edges).
///
/// A view over memory owned elsewhere (usually a mapped graph file).
public struct CSRGraph: @unchecked Sendable {
    public let nodeCount: Int
    public let edgeCount: Int
    /// N+1 row offsets into `sources`.
    public let offsets: UnsafePointer<UInt64>
    /// M source node ids.
    public let sources: UnsafePointer<UInt32>
    /// Whether each row's sources are in ascending order (the graph file says so), which lets kernels
    /// walk a row one source range at a time.
    public let rowsSorted: Bool

    public init(nodeCount: Int, edgeCount: Int, offsets: UnsafePointer<UInt64>, sources: UnsafePointer<UInt32>,
                rowsSorted: Bool = false) {
        self.nodeCount = nodeCount
        self.edgeCount = edgeCount
        self.offsets = offsets
        self.sources = sources
        self.rowsSorted = rowsSorted
    }

    /// The edge positions of row `v`.
    @inline(__always)
    public func row(_ v: Int) -> Range<Int> { Int(offsets[v])..<Int(offsets[v + 1]) }
}

/// Per-edge features, read one edge at a time in CSR order (never expanded to an M × channels buffer).
public struct EdgeFeatureRows: @unchecked Sendable {
    public let columns: Int
    /// Writes edge `e`'s features as f32 into `out`.
    public let read: @Sendable (_ e: Int, _ out: UnsafeMutablePointer<Float>) -> Void

    public init(columns: Int, read: @escaping @Sendable (Int, UnsafeMutablePointer<Float>) -> Void) {
        self.columns = columns
        self.read = read
    }
}
