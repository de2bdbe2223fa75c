import GNNConcurrency
import Foundation
import GNNFormats

/// Streams a `SyntheticGraph` into a graph file (formats/graph.md) without ever holding its edges.
///
/// The first pass draws every row once to count it (the header and `csr.offsets` need the degrees);
/// `csr.sources` and `edge.features` then draw the rows again, a chunk of destinations at a time, in
/// parallel, and stream each chunk to the file. Memory: the N+1 row offsets, the graph's per-node tables,
/// and one chunk of at most `chunkEdges` edges.
public enum SyntheticGraphWriter {
    /// What was written.
    public struct Summary: Sendable {
        public let nodes: Int
        public let edges: Int
        public let fileBytes: UInt64
    }

    /// Edges per streamed chunk: 4 Mi edges = 16 MiB of sources (128 MiB of proteins' edge features).
    static let chunkEdges = 1 << 22

    /// Writes `graph` to `path` atomically; `progress` hears each stage.
    @discardableResult
    public static func write(_ graph: SyntheticGraph, to path: String, progress: (any ProgressSink)? = nil) throws -> Summary {
        let shape = graph.shape
        let n = graph.nodeCount
        let offsets = rowOffsets(graph, progress: progress)
        let m = Int(offsets[n])

        var writer = GraphFileWriter(nodeCount: n, edgeCount: m, features: [.sortedRows, .noDuplicateEdges, .noSelfLoops])
        writer.add(.rowOffsets, dtype: .uint64, shape: [n + 1]) { try $0.write(offsets) }
        writer.add(.sources, dtype: .uint32, shape: [m]) { sink in
            try forEachEdgeChunk(offsets, stage: "writing edges", progress: progress) { nodes, base, edges in
                var row: [UInt32] = []
                for v in nodes {
                    graph.sources(of: v, into: &row)
                    row.withUnsafeBufferPointer { edges.baseAddress!.advanced(by: Int(offsets[v]) - base).update(from: $0.baseAddress!, count: $0.count) }
                }
            } write: { try sink.write(UnsafeBufferPointer($0)) }
        }
        writer.add(.nodeFeatures, dtype: .float32, shape: [n, shape.nodeFeatures]) { sink in
            try writeNodeRows(n, width: shape.nodeFeatures, into: &sink, stage: "writing node features",
                              progress: progress, fill: graph.features)
        }
        if shape.edgeFeatures > 0 {
            let width = shape.edgeFeatures
            writer.add(.edgeFeatures, dtype: .float32, shape: [m, width]) { sink in
                try forEachEdgeChunk(offsets, width: width, stage: "writing edge features", progress: progress) { nodes, base, values in
                    var row: [UInt32] = []
                    for v in nodes {
                        graph.sources(of: v, into: &row)
                        let first = Int(offsets[v]) - base
                        for (i, u) in row.enumerated() {
                            graph.edgeFeatures(between: Int(u), and: v, into: values.baseAddress! + (first + i) * width)
                        }
                    }
                } write: { try sink.write(UnsafeBufferPointer($0)) }
            }
        }
        if shape.classes > 0 {
            writer.add(.labels, dtype: .int32, shape: [n]) { try $0.write((0..<n).map { Int32(graph.communityOf($0)) }) }
        }
        if shape.tasks > 0 {
            writer.add(.targets, dtype: .float32, shape: [n, shape.tasks]) { sink in
                try writeNodeRows(n, width: shape.tasks, into: &sink, stage: "writing targets", progress: progress,
                                  fill: graph.targets)
            }
        }
        var splits: [SplitName: [UInt32]] = [:]
        for v in 0..<n { splits[graph.split(of: v), default: []].append(UInt32(v)) }
        for split in SplitName.allCases {
            let ids = splits[split] ?? []
            writer.add(split.section, dtype: .uint32, shape: [ids.count]) { try $0.write(ids) }
        }
        let meta = Array(#"{"generated_by": "gnn-bench graph", "shape": "\#(shape.name)", "nodes": \#(n), "edges": \#(m), "seed": \#(graph.seed)}"#.utf8)
        writer.add(.metadata, dtype: .uint8, shape: [meta.count]) { try $0.write(meta) }

        let bytes = try writer.write(to: path)
        return Summary(nodes: n, edges: m, fileBytes: bytes)
    }

    /// The CSR row offsets: every row drawn once and counted, in parallel.
    static func rowOffsets(_ graph: SyntheticGraph, progress: (any ProgressSink)?) -> [UInt64] {
        let n = graph.nodeCount
        var offsets = [UInt64](repeating: 0, count: n + 1)
        let step = 1 << 14
        offsets.withUnsafeMutableBufferPointer { buffer in
            let degrees = buffer.baseAddress! + 1
            for start in stride(from: 0, to: n, by: step) {
                let end = min(n, start + step)
                ParallelLoop.ranges(end - start, pieces: ProcessInfo.processInfo.activeProcessorCount) { piece in
                    var row: [UInt32] = []
                    for v in piece.lowerBound + start..<piece.upperBound + start {
                        graph.sources(of: v, into: &row)
                        degrees[v] = UInt64(row.count)
                    }
                }
                progress?.report("counting edges", Double(end) / Double(n))
            }
        }
        for v in 0..<n { offsets[v + 1] += offsets[v] }
        return offsets
    }

    /// Cuts the destinations into chunks of at most `chunkEdges` edges (or one node), has `fill` compute
    /// each chunk's `width` values per edge in parallel (it gets a node range, the chunk's first edge and
    /// the chunk buffer), and hands the filled chunk to `write`.
    static func forEachEdgeChunk<Value: BitwiseCopyable>(
        _ offsets: [UInt64], width: Int = 1, stage: String, progress: (any ProgressSink)?,
        fill: @escaping (Range<Int>, Int, UnsafeMutableBufferPointer<Value>) -> Void,
        write: (UnsafeMutableBufferPointer<Value>) throws -> Void
    ) throws {
        let n = offsets.count - 1
        let total = max(1, offsets[n])
        var start = 0
        while start < n {
            var end = start + 1
            while end < n && offsets[end + 1] - offsets[start] <= UInt64(chunkEdges) { end += 1 }
            let base = Int(offsets[start])
            let chunk = UnsafeMutableBufferPointer<Value>.allocate(capacity: (Int(offsets[end]) - base) * width)
            defer { chunk.deallocate() }
            // Pieces split by node count; heavy rows make them uneven, which costs a little balance only.
            ParallelLoop.ranges(end - start, pieces: 4 * ProcessInfo.processInfo.activeProcessorCount) { piece in
                fill(piece.lowerBound + start..<piece.upperBound + start, base, chunk)
            }
            try write(chunk)
            progress?.report(stage, Double(offsets[end]) / Double(total))
            start = end
        }
    }

    /// Streams an N × width f32 matrix whose row v `fill(v, row)` computes, a block of rows at a time.
    static func writeNodeRows(_ n: Int, width: Int, into sink: inout SectionSink, stage: String,
                              progress: (any ProgressSink)?,
                              fill: @escaping (Int, UnsafeMutablePointer<Float>) -> Void) throws {
        let blockRows = 1 << 13
        let block = UnsafeMutableBufferPointer<Float>.allocate(capacity: blockRows * max(width, 1))
        defer { block.deallocate() }
        for start in stride(from: 0, to: n, by: blockRows) {
            let rows = min(blockRows, n - start)
            ParallelLoop.ranges(rows, pieces: ProcessInfo.processInfo.activeProcessorCount) { piece in
                for r in piece { fill(start + r, block.baseAddress! + r * width) }
            }
            try sink.write(UnsafeBufferPointer(rebasing: block[0..<rows * width]))
            progress?.report(stage, Double(start + rows) / Double(n))
        }
    }
}
