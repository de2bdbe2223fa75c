import GNNFormats
import GNNKernels
import GNNModels

/// One engine kernel timed on a graph: what it must move and compute, and how close it came to the
/// machine's limit for it.
public struct KernelMeasurement: Sendable {
    /// The resource that bounds the kernel.
    public enum Limit: String, Sendable {
        /// Bytes over time, against the triad bandwidth.
        case memory
        /// Flops over time, against the sgemm rate at the same shape.
        case sgemm
    }

    public let kernel: String
    /// Best wall time of one call.
    public let seconds: Double
    /// Bytes the kernel must move at least: every array it reads or writes, once.
    public let bytes: Double
    /// Bytes if every edge fetched its source row from memory (no reuse through the cache); equals
    /// `bytes` for kernels without gathers. Between the two lies what the traversal order decides.
    public let gatheredBytes: Double
    public let flops: Double
    public let limit: Limit
    /// The machine's rate for `limit`: bytes/s (memory) or flop/s (sgemm).
    public let reference: Double

    /// Achieved rate over the reference: bytes (memory) or flops (sgemm) per second over the machine's.
    public var fraction: Double { (limit == .memory ? bytes : flops) / seconds / reference }
}

/// Times the engine's kernels, through GNNKernels' public API, at the sizes one layer of a model uses.
///
/// Every kernel gets N × `channels` inputs of fixed pseudo-random values. Bytes count each array once —
/// `csr.offsets` (8 B per node), `csr.sources` (4 B per edge), the input rows, the output rows, edge
/// features and per-edge scratch where the kernel has them — which is the traffic of a perfectly cached
/// run; gathers of source rows that miss the cache move more, so the fraction is a lower bound on how
/// busy memory was and the gap to 1 is what a better traversal could win.
public enum KernelRoofline {
    /// Times sum/mean aggregation, GEN's softmax aggregation (with the graph's edge features through an
    /// edge encoder, when it has them), GAT's attention aggregation (`heads` heads), layer norm and the
    /// dense `channels` × `channels` linear, each best of `runs`, on the current `KernelThreads`.
    /// `bandwidth` is the machine's bytes/s; the sgemm reference is measured here at the linear's shape.
    public static func measure(_ file: GraphFile, channels: Int, heads: Int, runs: Int,
                               bandwidth: Double) throws -> [KernelMeasurement] {
        guard case .u32(let sourceIds) = file.sources else {
            throw GNNError("csr.sources is u64; the kernels read u32 node ids", in: file.path,
                           fix: "write the graph with gnn-bench graph or gnn-serve pack, which store u32 ids")
        }
        guard channels > 0, channels % heads == 0 else {
            throw GNNError("\(channels) channels do not split into \(heads) attention heads", in: "--channels",
                           fix: "pass a multiple of --heads")
        }
        let n = file.nodeCount, m = file.edgeCount, c = channels
        let csr = CSRGraph(nodeCount: n, edgeCount: m, offsets: file.rowOffsets.baseAddress!,
                           sources: sourceIds.baseAddress ?? UnsafePointer(bitPattern: 4)!,
                           rowsSorted: file.features.contains(.sortedRows))
        let x = filled(n * c), out = filled(n * c), weight = filled(c * c), bias = filled(c)
        let alphas = filled(2 * n * heads), scratch = filled((m + n) * heads)
        defer { for buffer in [x, out, weight, bias, alphas, scratch] { buffer.deallocate() } }
        let adjacency = Double(8 * (n + 1) + 4 * m)
        let rows = Double(4 * n * c)
        var results: [KernelMeasurement] = []
        func time(_ name: String, bytes: Double, gathered: Double = 0, flops: Double,
                  limit: KernelMeasurement.Limit = .memory, reference: Double = bandwidth, _ body: () -> Void) {
            body()  // warm-up: page faults, lazy allocations
            results.append(KernelMeasurement(kernel: name, seconds: Stopwatch.best(of: runs, body), bytes: bytes,
                                             gatheredBytes: bytes + gathered, flops: flops, limit: limit,
                                             reference: reference))
        }
        // What the gathers add when no source row is reused from the cache: one more row per edge.
        let gatheredRows = Double(4 * m * c) - rows

        time("mean aggregation (SAGE)", bytes: adjacency + 2 * rows, gathered: gatheredRows, flops: Double(m * c)) {
            SumAggregation.run(csr, x: x, channels: c, mean: true, into: out)
        }

        let edgeColumns = file.edgeFeatureCount
        let encoderWeight = filled(c * max(edgeColumns, 1))
        defer { encoderWeight.deallocate() }
        let encoder = file.edgeFeatures.map { matrix in
            MessageAggregation.EdgeEncoder(
                features: EdgeFeatureRows(matrix),
                weight: matrix.columns == c ? nil : UnsafePointer(encoderWeight), bias: UnsafePointer(bias))
        }
        // Per edge and channel: the message (add, relu, +eps) and the online softmax (max, exp, two
        // multiply-adds), eight operations counting exp as one; plus the edge encoder's 2·E per channel.
        let genName = "softmax aggregation (GEN" + (edgeColumns > 0 ? ", \(edgeColumns) edge features)" : ")")
        time(genName, bytes: adjacency + 2 * rows + Double(4 * m * edgeColumns), gathered: gatheredRows,
             flops: Double(m * c) * Double(8 + 2 * edgeColumns)) {
            MessageAggregation.run(csr, x: x, channels: c, edges: encoder, reduce: .softmax(t: 1), into: out)
        }

        // Per edge and head: score, leaky ReLU, exp, sum (≈ 6); per edge and channel a multiply-add.
        time("attention aggregation (GAT, \(heads) heads)",
             bytes: adjacency + 2 * rows + Double(4 * 2 * n * heads) + Double(2 * 4 * (m + n) * heads),
             gathered: gatheredRows,
             flops: Double((m + n) * heads * 6 + 2 * (m + n) * c)) {
            AttentionAggregation.run(csr, x: x, heads: heads, channels: c / heads, alphaSource: alphas,
                                     alphaTarget: alphas + n * heads, edges: nil, selfLoops: true,
                                     negativeSlope: 0.2, weightScratch: scratch, into: out)
        }

        // Mean, variance, normalise and the affine map: about 8 operations per value.
        time("layer norm", bytes: 2 * rows, flops: Double(8 * n * c)) {
            Normalization.layerNorm(out, rows: n, channels: c, weight: weight, bias: bias)
        }

        let sgemmRate = MatrixMultiplyRate.sgemm(rows: n, inDim: c, outDim: c, threads: KernelThreads.count, runs: runs)
        time("dense linear \(c) -> \(c)", bytes: 2 * rows + Double(4 * c * c), flops: Double(2 * n * c * c),
             limit: .sgemm, reference: sgemmRate) {
            Dense.linear(x, rows: n, inDim: c, weight: weight, outDim: c, bias: bias, into: out)
        }
        return results
    }

    /// A buffer of `count` fixed pseudo-random floats in [−0.5, 0.5).
    private static func filled(_ count: Int) -> UnsafeMutablePointer<Float> {
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
        for i in 0..<max(count, 1) { buffer[i] = Float(UInt32(truncatingIfNeeded: i &* 2_654_435_761) >> 8) * 0x1p-24 - 0.5 }
        return buffer
    }
}
