import GNNFormats

/// What to do with self loops while packing.
public enum SelfLoopMode: String, CaseIterable, Sendable {
    /// Keep them as the input has them.
    case keep
    /// Drop every self loop.
    case remove
    /// Drop existing self loops, then give every node exactly one (as GATConv does before attention).
    case add
}

/// What to do with an edge that repeats an earlier (source, destination) pair.
public enum DuplicateMode: String, CaseIterable, Sendable {
    /// Keep every copy (GCN and sum aggregation then count it twice, as PyG does).
    case keep
    /// Keep the first copy in input order (as PyG's `coalesce` with to_undirected does, for the structure).
    case remove
}

/// How the input's edges become the file's adjacency.
public struct AdjacencyOptions: Sendable {
    /// Add the reverse of every edge (v→u for u→v).
    public var undirected = false
    public var selfLoops = SelfLoopMode.keep
    public var duplicates = DuplicateMode.keep

    public init(undirected: Bool = false, selfLoops: SelfLoopMode = .keep, duplicates: DuplicateMode = .keep) {
        self.undirected = undirected
        self.selfLoops = selfLoops
        self.duplicates = duplicates
    }
}

/// Counts of what packing did to the edges, for the user.
public struct AdjacencyReport: Sendable, Codable, Equatable {
    public var inputEdges = 0
    public var selfLoopsInInput = 0
    public var selfLoopsRemoved = 0
    public var selfLoopsAdded = 0
    public var reverseEdgesAdded = 0
    /// Repeated (source, destination) pairs after reversing and adding loops.
    public var duplicatesFound = 0
    public var duplicatesRemoved = 0
    public var outputEdges = 0
}

/// A graph's adjacency in CSR by destination: row v lists the sources of v's incoming edges.
public struct CSRAdjacency: Sendable {
    public var offsets: [UInt64]
    /// Sources, as u32 when N fits (halving the file's largest array), else u64.
    public var sources: [UInt64]?
    public var narrowSources: [UInt32]?
    /// For each CSR position, the input edge it came from, or −1 for an added self loop. Present only when
    /// requested (edge features must follow the edges).
    public var origins: [Int64]?
    public var report: AdjacencyReport
    /// Facts the result guarantees.
    public var features: GraphFeatures

    public var edgeCount: Int { Int(offsets.last ?? 0) }
}

/// Builds CSR-by-destination adjacency from an edge list: validates ids, reverses, drops or adds self
/// loops, sorts each row by source and drops duplicates, as `AdjacencyOptions` say.
///
/// Memory: the output arrays plus one degree counter per node; the input is read twice in chunks.
public enum CSRBuilder {
    public static func build(nodeCount: Int, edges: some EdgeSource, options: AdjacencyOptions,
                             trackOrigins: Bool, progress: ProgressSink? = nil) throws -> CSRAdjacency {
        if nodeCount <= Int(UInt32.max) {
            return try Builder<UInt32>(nodeCount: nodeCount, options: options, trackOrigins: trackOrigins, progress: progress)
                .build(edges)
        }
        return try Builder<UInt64>(nodeCount: nodeCount, options: options, trackOrigins: trackOrigins, progress: progress)
            .build(edges)
    }
}

private struct Builder<Index: FixedWidthInteger & UnsignedInteger & Sendable> {
    let nodeCount: Int
    let options: AdjacencyOptions
    let trackOrigins: Bool
    let progress: ProgressSink?

    init(nodeCount: Int, options: AdjacencyOptions, trackOrigins: Bool, progress: ProgressSink?) {
        self.nodeCount = nodeCount
        self.options = options
        self.trackOrigins = trackOrigins
        self.progress = progress
    }

    func build(_ edges: some EdgeSource) throws -> CSRAdjacency {
        var report = AdjacencyReport()
        report.inputEdges = edges.edgeCount
        let dropLoops = options.selfLoops != .keep
        let n = Int64(nodeCount)

        // Pass 1: check ids and count each row's length.
        var degree = [UInt64](repeating: 0, count: nodeCount + 1)
        try edges.forEachChunk { first, sources, destinations in
            for k in 0..<sources.count {
                let s = sources[k], d = destinations[k]
                guard s >= 0, s < n, d >= 0, d < n else {
                    let (which, value) = s >= 0 && s < n ? ("destination", d) : ("source", s)
                    throw GNNError("edge \(first + k) has \(which) \(value), not a node id (0..<\(n))", in: edges.location,
                                   fix: "node ids must index the feature rows")
                }
                if s == d {
                    report.selfLoopsInInput += 1
                    if dropLoops { continue }
                }
                degree[Int(d)] += 1
                if options.undirected && s != d { degree[Int(s)] += 1 }
            }
            progress?.report("reading edges", Double(first + sources.count) / Double(max(1, edges.edgeCount)) * 0.3)
        }
        if options.selfLoops == .add {
            for v in 0..<nodeCount { degree[v] += 1 }
        }
        var offsets = [UInt64](repeating: 0, count: nodeCount + 1)
        for v in 0..<nodeCount { offsets[v + 1] = offsets[v] + degree[v] }
        let total = Int(offsets[nodeCount])

        // Pass 2: scatter each edge into its row.
        var sources = [Index](repeating: 0, count: total)
        var origins = [Int64](repeating: -1, count: trackOrigins ? total : 0)
        var cursor = Array(offsets.dropLast())
        degree = []
        if options.selfLoops == .add {
            for v in 0..<nodeCount {
                sources[Int(cursor[v])] = Index(v)
                cursor[v] += 1
            }
            report.selfLoopsAdded = nodeCount
        }
        try edges.forEachChunk { first, edgeSources, edgeDestinations in
            for k in 0..<edgeSources.count {
                let s = Int(edgeSources[k]), d = Int(edgeDestinations[k])
                if s == d && dropLoops { continue }
                sources[Int(cursor[d])] = Index(s)
                if trackOrigins { origins[Int(cursor[d])] = Int64(first + k) }
                cursor[d] += 1
                if options.undirected && s != d {
                    sources[Int(cursor[s])] = Index(d)
                    if trackOrigins { origins[Int(cursor[s])] = Int64(first + k) }
                    cursor[s] += 1
                    report.reverseEdgesAdded += 1
                }
            }
            progress?.report("placing edges", 0.3 + Double(first + edgeSources.count) / Double(max(1, edges.edgeCount)) * 0.3)
        }
        cursor = []
        report.selfLoopsRemoved = dropLoops ? report.selfLoopsInInput : 0

        // Sort rows by source (ties by input order) and count repeats, in parallel over rows.
        progress?.report("sorting rows", 0.6)
        var kept = [UInt64](repeating: 0, count: nodeCount)
        let removeDuplicates = options.duplicates == .remove
        sources.withUnsafeMutableBufferPointer { sourceBuffer in
            origins.withUnsafeMutableBufferPointer { originBuffer in
                kept.withUnsafeMutableBufferPointer { keptBuffer in
                    let shared = UncheckedSendable((sourceBuffer, originBuffer, keptBuffer))
                    ParallelLoop.ranges(nodeCount, pieces: 64) { rows in
                        let (sourceBuffer, originBuffer, keptBuffer) = shared.value
                        for v in rows {
                            let row = Int(offsets[v])..<Int(offsets[v + 1])
                            keptBuffer[v] = UInt64(Self.sortRow(row, sourceBuffer, originBuffer, removeDuplicates: removeDuplicates))
                        }
                    }
                }
            }
        }
        for v in 0..<nodeCount { report.duplicatesFound += Int(offsets[v + 1] - offsets[v]) - Int(kept[v]) }
        if !removeDuplicates {
            // `sortRow` reports how many distinct sources a row has; without removal every edge stays.
            for v in 0..<nodeCount { kept[v] = offsets[v + 1] - offsets[v] }
        } else {
            report.duplicatesRemoved = report.duplicatesFound
            compact(&sources, &origins, offsets: &offsets, kept: kept)
        }
        report.outputEdges = Int(offsets[nodeCount])

        var features: GraphFeatures = [.sortedRows]
        if report.duplicatesFound == 0 || removeDuplicates { features.insert(.noDuplicateEdges) }
        if options.selfLoops == .remove || (options.selfLoops == .keep && report.selfLoopsInInput == 0) {
            features.insert(.noSelfLoops)
        }
        if options.selfLoops == .add { features.insert(.oneSelfLoopPerNode) }
        progress?.report("sorting rows", 1)

        var result = CSRAdjacency(offsets: offsets, report: report, features: features)
        if Index.self == UInt32.self {
            result.narrowSources = sources as? [UInt32]
        } else {
            result.sources = sources as? [UInt64]
        }
        result.origins = trackOrigins ? origins : nil
        return result
    }

    /// Sorts one row by (source, input order); with `removeDuplicates` moves the first copy of each source
    /// to the row's front. Returns the number of distinct sources.
    private static func sortRow(_ row: Range<Int>, _ sources: UnsafeMutableBufferPointer<Index>,
                                _ origins: UnsafeMutableBufferPointer<Int64>, removeDuplicates: Bool) -> Int {
        guard !row.isEmpty else { return 0 }
        if origins.isEmpty {
            var slice = UnsafeMutableBufferPointer(rebasing: sources[row])
            slice.sort()
        } else {
            var pairs = row.map { (sources[$0], origins[$0]) }
            pairs.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
            for (k, pair) in pairs.enumerated() {
                sources[row.lowerBound + k] = pair.0
                origins[row.lowerBound + k] = pair.1
            }
        }
        var distinct = 1
        for k in row.dropFirst() where sources[k] != sources[k - 1] {
            if removeDuplicates {
                sources[row.lowerBound + distinct] = sources[k]
                if !origins.isEmpty { origins[row.lowerBound + distinct] = origins[k] }
            }
            distinct += 1
        }
        return distinct
    }

    /// Moves each row's first `kept[v]` entries together and rewrites the offsets.
    private func compact(_ sources: inout [Index], _ origins: inout [Int64], offsets: inout [UInt64], kept: [UInt64]) {
        var write = 0
        for v in 0..<nodeCount {
            let start = Int(offsets[v])
            offsets[v] = UInt64(write)
            for k in 0..<Int(kept[v]) {
                sources[write] = sources[start + k]
                if !origins.isEmpty { origins[write] = origins[start + k] }
                write += 1
            }
        }
        offsets[nodeCount] = UInt64(write)
        sources.removeSubrange(write...)
        if !origins.isEmpty { origins.removeSubrange(write...) }
    }
}
