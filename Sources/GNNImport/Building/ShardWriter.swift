import GNNFormats

/// How `pack --shards K` assigns nodes to shards.
public enum ShardPartition: String, CaseIterable, Sendable {
    /// K consecutive row ranges of equal size: no partitioning cost, cut edges as the row order makes them.
    case range
    /// METIS k-way parts of the undirected graph: fewer cut edges, so smaller halos and exchanges.
    case metis
}

/// What `ShardWriter.write` produced, per shard.
public struct ShardReport: Sendable {
    public var path: String
    public var ownedRows: Int
    public var haloRows: Int
    public var cutEdges: Int
    public var fileBytes: UInt64
}

/// Splits a packed graph file into K shard files (graph format 1.4, `formats/graph.md` §6.2).
///
/// Shard i holds the nodes it owns, in ascending row order of the whole file, then the halo its owned rows
/// read, grouped by owning shard (each group ascending). Each owned row keeps its in-edges in the whole
/// file's order (sources renumbered), so a pass over the shard adds in the same order as a pass over the
/// whole graph; and with the owned rows first, a pass keeps its state for those rows only and halo rows
/// exist only in the buffers that aggregations gather.
///
/// Memory: O(N) for the assignment and renumbering plus all halos' row lists (at most M entries); the
/// sections are streamed from the mapped whole file.
public enum ShardWriter {
    /// Writes `count` shards of `graph` named after `base` (`ShardLayout.fileName`).
    public static func write(_ graph: GraphFile, count: Int, partition: ShardPartition, base: String,
                             overwrite: Bool, progress: ProgressSink?) throws -> [ShardReport] {
        precondition(count >= 1)
        let n = graph.nodeCount
        guard count <= n else {
            throw GNNError("\(count) shards for \(n) nodes; every shard must own a node", in: graph.path, fix: "use at most \(n) shards")
        }
        let owner = try assign(graph, count: count, partition: partition, progress: progress)
        let offsets = graph.rowOffsets, sources = graph.sources
        // Each shard's local rows: what it owns, ascending, then the sources its owned rows read that other
        // shards own, by owner and ascending within an owner (the order of the owner's send list).
        var localRows: [[Int]] = []
        var seen = [Int](repeating: -1, count: n)
        for shard in 0..<count {
            var rows: [Int] = []
            for v in 0..<n where Int(owner[v]) == shard {
                if seen[v] != shard { seen[v] = shard; rows.append(v) }
                for e in Int(offsets[v])..<Int(offsets[v + 1]) {
                    let u = sources[e]
                    if seen[u] != shard { seen[u] = shard; rows.append(u) }
                }
            }
            let owned = rows.filter { Int(owner[$0]) == shard }.sorted()
            let halo = rows.filter { Int(owner[$0]) != shard }.sorted { (owner[$0], $0) < (owner[$1], $1) }
            localRows.append(owned + halo)
        }
        seen = []
        var inEdges = [UInt64](repeating: 0, count: n), loops = [UInt64](repeating: 0, count: n)
        for v in 0..<n {
            inEdges[v] = offsets[v + 1] - offsets[v]
            for e in Int(offsets[v])..<Int(offsets[v + 1]) where sources[e] == v { loops[v] += 1 }
        }
        let setID = [graph.preamble.optionalFeatures, UInt64(n), UInt64(graph.edgeCount), UInt64(count),
                     partition == .metis ? 1 : 0, graph.sections.map(\.checksum).reduce(0, ^)]
            .withUnsafeBytes { Checksum.of($0) }
        var reports: [ShardReport] = []
        var localIndex = [Int](repeating: -1, count: n)
        for shard in 0..<count {
            progress?.report("writing shard \(shard + 1) of \(count)", Double(shard) / Double(count))
            let rows = localRows[shard]
            for (local, row) in rows.enumerated() { localIndex[row] = local }
            // Halo rows grouped by owner; within a group ascending, the order the owner's send list uses.
            var halo: [[Int]] = Array(repeating: [], count: count)
            for row in rows where Int(owner[row]) != shard { halo[Int(owner[row])].append(localIndex[row]) }
            var send: [[Int]] = Array(repeating: [], count: count)
            for peer in 0..<count where peer != shard {
                send[peer] = localRows[peer].filter { Int(owner[$0]) == shard }.map { localIndex[$0] }
            }
            let path = ShardLayout.fileName(base: base, index: shard, count: count)
            let report = try writeShard(graph, shard: shard, count: count, setID: setID, rows: rows, owner: owner,
                                        localIndex: localIndex, halo: halo, send: send, inEdges: inEdges, loops: loops,
                                        path: path, overwrite: overwrite)
            reports.append(report)
            for row in rows { localIndex[row] = -1 }
        }
        return reports
    }

    /// The owning shard of every row.
    static func assign(_ graph: GraphFile, count: Int, partition: ShardPartition, progress: ProgressSink?) throws -> [UInt32] {
        let n = graph.nodeCount
        guard partition == .metis, count > 1 else {
            return (0..<n).map { UInt32($0 * count / n) }
        }
        let owner = try NodeOrdering.metisParts(nodeCount: n, edges: CSREdges(file: graph), parts: count,
                                                instead: "--partition range", progress: progress).map { UInt32($0) }
        // METIS may leave a part empty on tiny graphs; a shard without rows would have nothing to run.
        var owned = [Int](repeating: 0, count: count)
        for o in owner { owned[Int(o)] += 1 }
        if let empty = owned.firstIndex(of: 0) {
            throw GNNError("METIS left shard \(empty) of \(count) without nodes", in: graph.path, fix: "use --partition range or fewer shards")
        }
        return owner
    }

    private static func writeShard(_ graph: GraphFile, shard: Int, count: Int, setID: UInt64, rows: [Int], owner: [UInt32],
                                   localIndex: [Int], halo: [[Int]], send: [[Int]], inEdges: [UInt64], loops: [UInt64],
                                   path: String, overwrite: Bool) throws -> ShardReport {
        let offsets = graph.rowOffsets, sources = graph.sources
        let owned = rows.filter { Int(owner[$0]) == shard }
        var localOffsets = [UInt64](repeating: 0, count: rows.count + 1)
        var edgeRanges: [Range<Int>] = []
        var cut = 0
        for (local, row) in rows.enumerated() {
            var degree = 0
            if Int(owner[row]) == shard {
                let range = Int(offsets[row])..<Int(offsets[row + 1])
                edgeRanges.append(range)
                degree = range.count
                for e in range where Int(owner[sources[e]]) != shard { cut += 1 }
            }
            localOffsets[local + 1] = localOffsets[local] + UInt64(degree)
        }
        let m = Int(localOffsets[rows.count])
        let wide = rows.count > Int(UInt32.max)
        let indexType: DType = wide ? .uint64 : .uint32
        func writeIndices(_ values: some Sequence<Int>, _ sink: inout SectionSink) throws {
            if wide { try sink.write(values.map { UInt64($0) }) } else { try sink.write(values.map { UInt32($0) }) }
        }

        var writer = GraphFileWriter(nodeCount: rows.count, edgeCount: m, features: graph.features)
        writer.add(.rowOffsets, dtype: .uint64, shape: [rows.count + 1]) { try $0.write(localOffsets) }
        writer.add(.sources, dtype: indexType, shape: [m]) { sink in
            for range in edgeRanges { try writeIndices(range.lazy.map { localIndex[sources[$0]] }, &sink) }
        }
        let features = graph.section(.nodeFeatures)!
        writer.add(.nodeFeatures, dtype: features.dtype, shape: [rows.count, Int(features.shape[1])]) { sink in
            try copyRows(graph, features, rows: rows, into: &sink)
        }
        if let section = graph.section(.edgeFeatures) {
            writer.add(.edgeFeatures, dtype: section.dtype, shape: [m, Int(section.shape[1])]) { sink in
                for range in edgeRanges { try copyRows(graph, section, rows: range, into: &sink) }
            }
        }
        for kind in [GraphSectionKind.labels, .targets, .originalIDs] {
            guard let section = graph.section(kind) else { continue }
            writer.add(kind, dtype: section.dtype, shape: section.shape.count == 2 ? [rows.count, Int(section.shape[1])] : [rows.count]) { sink in
                try copyRows(graph, section, rows: rows, into: &sink)
            }
        }
        for split in SplitName.allCases {
            guard let ids = graph.split(split) else { continue }
            let positions = (0..<ids.count).filter { Int(owner[ids[$0]]) == shard }
            writer.add(split.section, dtype: indexType, shape: [positions.count]) { try writeIndices(positions.map { localIndex[ids[$0]] }, &$0) }
            writer.add(split.shardPositions, dtype: .uint64, shape: [positions.count]) { try $0.write(positions.map { UInt64($0) }) }
        }
        let order = graph.nodeOrder
        writer.add(.shardNodeIDs, dtype: .uint64, shape: [rows.count]) { sink in
            try sink.write(rows.map { UInt64(order?[$0] ?? $0) })
        }
        let haloRows = halo.joined().map { $0 }, sendRows = send.joined().map { $0 }
        writer.add(.shardHalo, dtype: indexType, shape: [haloRows.count]) { try writeIndices(haloRows, &$0) }
        writer.add(.shardHaloCounts, dtype: .uint64, shape: [count]) { try $0.write(halo.map { UInt64($0.count) }) }
        writer.add(.shardSend, dtype: indexType, shape: [sendRows.count]) { try writeIndices(sendRows, &$0) }
        writer.add(.shardSendCounts, dtype: .uint64, shape: [count]) { try $0.write(send.map { UInt64($0.count) }) }
        writer.add(.shardDegrees, dtype: .uint64, shape: [rows.count, 2]) { sink in
            try sink.write(rows.flatMap { [inEdges[$0], loops[$0]] })
        }
        let set: [UInt64] = [setID, UInt64(count), UInt64(shard), UInt64(graph.nodeCount), UInt64(graph.edgeCount),
                             UInt64(owned.count), UInt64(haloRows.count), UInt64(cut)]
        writer.add(.shardSet, dtype: .uint64, shape: [ShardLayout.setFields]) { try $0.write(set) }
        if let meta = graph.section(.metadata) {
            writer.add(.metadata, dtype: .uint8, shape: [Int(meta.length)]) { try $0.write(graph.bytes(of: meta)) }
        }
        let bytes = try writer.write(to: path, overwrite: overwrite)
        return ShardReport(path: path, ownedRows: owned.count, haloRows: haloRows.count, cutEdges: cut, fileBytes: bytes)
    }

    /// Streams the rows `rows` of `section` (any dtype, rank 1 or 2) as stored.
    private static func copyRows(_ graph: GraphFile, _ section: GraphSection, rows: some Sequence<Int>,
                                 into sink: inout SectionSink) throws {
        let rowBytes = section.dtype.size * (section.shape.count == 2 ? Int(section.shape[1]) : 1)
        let bytes = graph.bytes(of: section)
        for row in rows {
            try sink.write(UnsafeRawBufferPointer(rebasing: bytes[row * rowBytes..<(row + 1) * rowBytes]))
        }
    }
}
