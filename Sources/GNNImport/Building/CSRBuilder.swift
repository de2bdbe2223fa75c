import GNNConcurrency
import Foundation
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
    /// Sources, as u32 (pack supports up to 2³² − 1 nodes; the file format itself allows u64).
    public var sources: [UInt32]
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
        guard nodeCount <= Int(UInt32.max) else {
            throw GNNError("the graph has \(nodeCount) nodes; pack supports at most \(UInt32.max)")
        }
        return try Builder(nodeCount: nodeCount, options: options, trackOrigins: trackOrigins, progress: progress)
            .build(edges)
    }
}

private struct Builder {
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

        // Both passes run on every core at once: each thread reads all edges (sequential, cheap) but counts
        // and places only edges whose row is in its own node range, so the result does not depend on timing.
        let threads = max(1, min(ProcessInfo.processInfo.activeProcessorCount, nodeCount))
        let rowRanges = (0..<threads).map { nodeCount * $0 / threads..<nodeCount * ($0 + 1) / threads }

        // Pass 1: check ids and count each row's length.
        var degree = [UInt64](repeating: 0, count: nodeCount + 1)
        var inputSelfLoops = 0
        try degree.withUnsafeMutableBufferPointer { degree in
            try forEachThread(rowRanges, edges) { thread, rows, first, sources, destinations in
                let lower = Int64(rows.lowerBound), upper = Int64(rows.upperBound)
                var loops = 0
                for k in 0..<sources.count {
                    let s = sources[k], d = destinations[k]
                    guard s >= 0, s < n, d >= 0, d < n else {
                        let (which, value) = s >= 0 && s < n ? ("destination", d) : ("source", s)
                        throw GNNError("edge \(first + k) has \(which) \(value), not a node id (0..<\(n))", in: edges.location,
                                       fix: "node ids must index the feature rows")
                    }
                    if s == d {
                        loops += 1
                        if dropLoops { continue }
                    }
                    if d >= lower && d < upper { degree[Int(d)] += 1 }
                    if options.undirected && s != d && s >= lower && s < upper { degree[Int(s)] += 1 }
                }
                if thread == 0 {
                    inputSelfLoops += loops
                    progress?.report("reading edges", Double(first + sources.count) / Double(max(1, edges.edgeCount)) * 0.3)
                }
            }
        }
        report.selfLoopsInInput = inputSelfLoops
        if options.selfLoops == .add {
            for v in 0..<nodeCount { degree[v] += 1 }
        }
        var offsets = [UInt64](repeating: 0, count: nodeCount + 1)
        for v in 0..<nodeCount { offsets[v + 1] = offsets[v] + degree[v] }
        let total = Int(offsets[nodeCount])
        degree = []

        // Pass 2: place each edge in its row, in input order within the row.
        var sources = [UInt32](repeating: 0, count: total)
        var origins = [Int64](repeating: -1, count: trackOrigins ? total : 0)
        var cursor = Array(offsets.dropLast())
        if options.selfLoops == .add {
            for v in 0..<nodeCount {
                sources[Int(cursor[v])] = UInt32(v)
                cursor[v] += 1
            }
            report.selfLoopsAdded = nodeCount
        }
        var reversed = 0
        try sources.withUnsafeMutableBufferPointer { placed in
            try origins.withUnsafeMutableBufferPointer { origins in
                try cursor.withUnsafeMutableBufferPointer { cursor in
                    try forEachThread(rowRanges, edges) { thread, rows, first, edgeSources, edgeDestinations in
                        let lower = Int(rows.lowerBound), upper = Int(rows.upperBound)
                        var reverses = 0
                        for k in 0..<edgeSources.count {
                            let s = Int(edgeSources[k]), d = Int(edgeDestinations[k])
                            if s == d && dropLoops { continue }
                            if d >= lower && d < upper {
                                let at = Int(cursor[d])
                                placed[at] = UInt32(s)
                                if trackOrigins { origins[at] = Int64(first + k) }
                                cursor[d] += 1
                            }
                            if options.undirected && s != d {
                                reverses += 1
                                if s >= lower && s < upper {
                                    let at = Int(cursor[s])
                                    placed[at] = UInt32(d)
                                    if trackOrigins { origins[at] = Int64(first + k) }
                                    cursor[s] += 1
                                }
                            }
                        }
                        if thread == 0 {
                            reversed += reverses
                            progress?.report("placing edges", 0.3 + Double(first + edgeSources.count) / Double(max(1, edges.edgeCount)) * 0.3)
                        }
                    }
                }
            }
        }
        report.reverseEdgesAdded = reversed
        cursor = []
        report.selfLoopsRemoved = dropLoops ? report.selfLoopsInInput : 0

        // Sort rows by source (ties by input order) and count repeats, in parallel over rows.
        progress?.report("sorting rows", 0.6)
        var kept = [UInt64](repeating: 0, count: nodeCount)
        let removeDuplicates = options.duplicates == .remove
        sources.withUnsafeMutableBufferPointer { sourceBuffer in
            origins.withUnsafeMutableBufferPointer { originBuffer in
                kept.withUnsafeMutableBufferPointer { keptBuffer in
                    ParallelLoop.ranges(nodeCount, pieces: 64) { rows in
                        var sorter = RowSorter()
                        for v in rows {
                            let row = Int(offsets[v])..<Int(offsets[v + 1])
                            sorter.sort(row, sourceBuffer, originBuffer)
                            keptBuffer[v] = UInt64(Self.distinctToFront(row, sourceBuffer, originBuffer, move: removeDuplicates))
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
        // Measured rather than inferred from the options: `--self-loops keep` on an input that already has one
        // loop per node, or a symmetric input packed without `--undirected`, must say so too. With
        // `--undirected` every reverse was added (and removing loops or repeats keeps that), so the costly
        // half, symmetry, is known.
        progress?.report("measuring symmetry", 0.95)
        features.formUnion(AdjacencyMeasure.measure(offsets: offsets, sources: sources, knownSymmetric: options.undirected).features)
        progress?.report("sorting rows", 1)

        return CSRAdjacency(offsets: offsets, sources: sources, origins: trackOrigins ? origins : nil,
                            report: report, features: features)
    }

    /// Runs `body(thread, rows, firstEdge, sources, destinations)` over every chunk of `edges` on one thread
    /// per row range; rethrows the error of the lowest-numbered thread that failed.
    private func forEachThread(_ rowRanges: [Range<Int>], _ edges: some EdgeSource,
                               _ body: (Int, Range<Int>, Int, UnsafeBufferPointer<Int64>, UnsafeBufferPointer<Int64>) throws -> Void) throws {
        var errors = [(any Error)?](repeating: nil, count: rowRanges.count)
        try withoutActuallyEscaping(body) { body in
            errors.withUnsafeMutableBufferPointer { errors in
                ParallelLoop.run(rowRanges.count) { thread in
                    do {
                        try edges.forEachChunk { try body(thread, rowRanges[thread], $0, $1, $2) }
                    } catch {
                        errors[thread] = error
                    }
                }
            }
            if let error = errors.compactMap({ $0 }).first { throw error }
        }
    }

    /// Counts the distinct sources of a sorted row; with `move`, also moves the first copy of each to the
    /// row's front (in order), keeping its origin.
    private static func distinctToFront(_ row: Range<Int>, _ sources: UnsafeMutableBufferPointer<UInt32>,
                                        _ origins: UnsafeMutableBufferPointer<Int64>, move: Bool) -> Int {
        guard !row.isEmpty else { return 0 }
        var distinct = 1
        for k in row.dropFirst() where sources[k] != sources[k - 1] {
            if move {
                sources[row.lowerBound + distinct] = sources[k]
                if !origins.isEmpty { origins[row.lowerBound + distinct] = origins[k] }
            }
            distinct += 1
        }
        return distinct
    }

    /// Moves each row's first `kept[v]` entries together and rewrites the offsets.
    private func compact(_ sources: inout [UInt32], _ origins: inout [Int64], offsets: inout [UInt64], kept: [UInt64]) {
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

/// Sorts CSR rows by source, stably, carrying each edge's origin along. Rows are short on real graphs, so
/// it sorts packed 64-bit keys (source, position in row) in a reusable scratch buffer: no allocation per row.
private struct RowSorter {
    private var keys: [UInt64] = []
    private var scratch: [Int64] = []

    mutating func sort(_ row: Range<Int>, _ sources: UnsafeMutableBufferPointer<UInt32>,
                       _ origins: UnsafeMutableBufferPointer<Int64>) {
        let count = row.count
        guard count > 1 else { return }
        let start = row.lowerBound
        if origins.isEmpty {
            var slice = UnsafeMutableBufferPointer(rebasing: sources[row])
            if count <= 32 { Self.insertionSort(&slice) } else { slice.sort() }
            return
        }
        if keys.count < count {
            keys = [UInt64](repeating: 0, count: count)
            scratch = [Int64](repeating: 0, count: count)
        }
        keys.withUnsafeMutableBufferPointer { keyBuffer in
            scratch.withUnsafeMutableBufferPointer { originCopy in
                for k in 0..<count {
                    keyBuffer[k] = UInt64(sources[start + k]) << 32 | UInt64(k)
                    originCopy[k] = origins[start + k]
                }
                var used = UnsafeMutableBufferPointer(rebasing: keyBuffer[0..<count])
                if count <= 32 { Self.insertionSort(&used) } else { used.sort() }
                for k in 0..<count {
                    sources[start + k] = UInt32(truncatingIfNeeded: used[k] >> 32)
                    origins[start + k] = originCopy[Int(used[k] & 0xFFFF_FFFF)]
                }
            }
        }
    }

    private static func insertionSort<T: Comparable>(_ values: inout UnsafeMutableBufferPointer<T>) {
        for i in 1..<values.count {
            let value = values[i]
            var j = i
            while j > 0 && values[j - 1] > value {
                values[j] = values[j - 1]
                j -= 1
            }
            values[j] = value
        }
    }
}
