import GNNFormats

/// Reads a graph file as pack input, to pack it again (e.g. with `--reorder metis` or another feature dtype).
///
/// Its rows are the input's nodes and its CSR edges, in CSR order, the input's edges; a `node.order` it
/// already has is kept in `GraphInput.packedOrder`, so the new file still maps back to the first input.
enum PackedGraphReader {
    static func read(_ path: String) throws -> GraphInput {
        let file = try GraphFile(path: path)
        guard !file.isShard else {
            throw GNNError("is one shard of a graph, not a whole graph", in: path, fix: "pack the graph the shards were cut from")
        }
        _ = try file.verifyStructure()
        let n = file.nodeCount
        var input = GraphInput(nodeCount: n, edges: CSREdges(file: file), nodeFeatures: MappedRows(file: file, matrix: file.nodeFeatures),
                               format: "gnn-serve")
        input.edgeFeatures = file.edgeFeatures.map { MappedRows(file: file, matrix: $0) }
        input.labels = file.labels.map(Array.init)
        input.targets = file.targets.map { MappedRows(file: file, matrix: $0) }
        for split in SplitName.allCases {
            guard let rows = file.split(split) else { continue }
            input.splits[split] = (0..<rows.count).map { Int64(rows[$0]) }
        }
        input.originalIDs = file.originalIDs.map(Array.init)
        input.packedOrder = file.nodeOrder.map { order in (0..<n).map { UInt32(order[$0]) } }
        return input
    }
}

/// Rows of a matrix mapped from `file`, which stays open as long as they are read (the packer drops the
/// edges before it writes features).
private struct MappedRows: FloatRowSource {
    let file: GraphFile
    let matrix: FloatMatrix

    var rows: Int { matrix.rows }
    var columns: Int { matrix.columns }
    func copyRows(_ range: Range<Int>, into out: UnsafeMutablePointer<Float>) { matrix.copyRows(range, into: out) }
}

/// A graph file's CSR edges as an edge list: (sources[e], destination row of e) in CSR order.
struct CSREdges: EdgeSource {
    let file: GraphFile

    var edgeCount: Int { file.edgeCount }
    var location: String { file.path + ":csr" }

    func forEachChunk(_ body: (Int, UnsafeBufferPointer<Int64>, UnsafeBufferPointer<Int64>) throws -> Void) throws {
        let offsets = file.rowOffsets, sources = file.sources
        var chunkSources = [Int64](repeating: 0, count: Self.chunkSize)
        var chunkDestinations = [Int64](repeating: 0, count: Self.chunkSize)
        var row = 0, first = 0
        while first < edgeCount {
            let end = min(edgeCount, first + Self.chunkSize)
            for e in first..<end {
                while UInt64(e) >= offsets[row + 1] { row += 1 }
                chunkSources[e - first] = Int64(sources[e])
                chunkDestinations[e - first] = Int64(row)
            }
            try chunkSources.withUnsafeBufferPointer { s in
                try chunkDestinations.withUnsafeBufferPointer { d in
                    try body(first, UnsafeBufferPointer(rebasing: s[0..<end - first]), UnsafeBufferPointer(rebasing: d[0..<end - first]))
                }
            }
            first = end
        }
    }
}
