import ArgumentParser
import CommandLineSupport
import Foundation
import GNNBench
import GNNFormats
import GNNKernels

/// `gnn-bench roofline`: the machine's memory bandwidth and sgemm rate, and each kernel's share of them.
struct RooflineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "roofline",
        abstract: "Measure memory bandwidth and sgemm rate, and time the engine's kernels against them.",
        discussion: """
            Bandwidth: STREAM's triad a[i] = b[i] + s * c[i] over three f32 arrays of --triad-mib MiB each \
            (keep them well above the last-level cache), one contiguous slice per thread, best of --runs; \
            12 bytes per element. Random gather: M rows of --channels f32, picked uniformly at random from N \
            rows and summed (N, M = the graph's nodes and edges, or arxiv's 169,343 nodes and twice its \
            1,166,243 undirected edges): the roof of an aggregation whose sources have no locality. sgemm: \
            OpenBLAS cblas_sgemm single-threaded inside each worker, as the engine runs it, at the engine's \
            shapes (N x K times K x D).

            With GRAPH, the engine's kernels run on it at --channels per node (a 2-group model of hidden \
            size 128 aggregates 64): mean aggregation, GEN's softmax aggregation (through an edge encoder \
            when the graph has edge features), GAT's attention aggregation, layer norm and the dense linear. \
            Each is reported with the bytes it must move at least (every array once), its flops, and its \
            achieved fraction of the bandwidth (aggregations, norm) or of the sgemm rate at its shape \
            (linear); aggregations also with the rate they would need if every edge fetched its source row \
            from memory. Tables are markdown on stdout.

            With --model (and GRAPH), the model's roofline floor on that graph instead of the kernel table: \
            each kind of work one forward pass repeats (ModelFloor: input linear, per convolution its norm, \
            aggregation, dense products and state update, a DEQ solver's steps, the head), with the bytes it \
            must move at least over the triad bandwidth or its flops over the best dense rate measured at its \
            shape (OpenBLAS sgemm or the engine's own product, whichever is faster), the longer of the two. A \
            second total fetches every edge's source row at the random-gather rate measured at its width: what \
            an aggregation without cache blocking would take on a graph whose sources have no locality (not a \
            floor: blocked sums reuse rows). SAGE and GCN convolutions only.
            """)

    @Argument(help: "A graph file (*.bin) to time the kernels on; without it only the machine is measured.")
    var graph: String?

    @Option(help: "Worker threads (0: all cores).")
    var threads: Int = 0

    @Option(help: "Channels per node of the kernel inputs.")
    var channels: Int = 64

    @Option(help: "Attention heads of the GAT kernel (must divide --channels).")
    var heads: Int = 2

    @Option(help: "Size of each of the triad's three arrays, in MiB.")
    var triadMib: Int = 256

    @Option(help: "Timed runs of each measurement; the best counts.")
    var runs: Int = 5

    @Option(help: "A model file (*.gnnz): print its roofline floor on GRAPH instead of the kernel table.")
    var model: String?

    @Option(help: "For a DEQ --model: the evaluations of f its solver made on GRAPH (from predict --stats).")
    var evaluations: Int?

    func validate() throws {
        guard threads >= 0 else { throw ValidationError("--threads must be 0 (all cores) or more, not \(threads)") }
        guard channels > 0, heads > 0, channels % heads == 0 else {
            throw ValidationError("--channels (\(channels)) must be a positive multiple of --heads (\(heads))")
        }
        guard triadMib > 0, triadMib <= 1 << 16 else { throw ValidationError("--triad-mib must be in 1...65536, not \(triadMib)") }
        guard runs > 0 else { throw ValidationError("--runs must be at least 1, not \(runs)") }
        if model != nil && graph == nil { throw ValidationError("--model needs a GRAPH to compute the floor on") }
        if let evaluations, evaluations < 1 { throw ValidationError("--evaluations must be at least 1, not \(evaluations)") }
    }

    func run() throws {
        let file = try graph.map { try GraphFile(path: $0) }
        // The model's terms before any measurement, so that a bad file or a missing --evaluations fails at once.
        let floorTerms = try model.map { path in
            try ModelFloor.terms(ModelFile(path: path).metadata.architecture, nodes: file!.nodeCount, edges: file!.edgeCount,
                                 evaluations: evaluations)
        }
        KernelThreads.configure(threads: threads)
        let workers = KernelThreads.count
        let bandwidth = MemoryBandwidth.triad(elements: triadMib << 18, threads: workers, runs: runs)
        print("machine: \(ProcessInfo.processInfo.activeProcessorCount) cores, \(workers) threads used")
        print("triad bandwidth: \(String(format: "%.2f", bandwidth / 1e9)) GB/s (3 x \(triadMib) MiB, best of \(runs))\n")

        let rows = file?.nodeCount ?? SyntheticGraphShape.arxiv.nodes
        let gathers = file?.edgeCount ?? 2 * SyntheticGraphShape.arxiv.undirectedEdges
        let gatherRate = MemoryBandwidth.randomRowGather(rows: rows, channels: channels, gathers: gathers, threads: workers, runs: runs)
        print("random row gather: \(String(format: "%.2f", gatherRate / 1e9)) GB/s (\(gathers) rows of \(channels * 4) bytes "
              + "from \(rows), best of \(runs))\n")
        print("| sgemm shape (rows x K -> D) | GFLOP/s |")
        print("|---|---:|")
        for (k, d) in [(128, 128), (64, 64), (80, 80), (160, 160), (128, 40)] {
            let rate = MatrixMultiplyRate.sgemm(rows: rows, inDim: k, outDim: d, threads: workers, runs: runs)
            print("| \(rows) x \(k) -> \(d) | \(String(format: "%.1f", rate / 1e9)) |")
        }

        guard let file else { return }
        if let model, let floorTerms {
            return printFloor(floorTerms, model: model, graph: file, bandwidth: bandwidth, workers: workers)
        }
        print("\nkernels on \(file.path): \(file.nodeCount) nodes, \(file.edgeCount) edges, \(channels) channels\n")
        print("| kernel | ms | MB moved | GFLOP | GB/s | GFLOP/s | limit | fraction of limit | GB/s if no row reuse | of random gather |")
        print("|---|---:|---:|---:|---:|---:|---|---:|---:|---:|")
        for k in try KernelRoofline.measure(file, channels: channels, heads: heads, runs: runs, bandwidth: bandwidth) {
            let measured = String(format: "%.2f | %.1f | %.3f | %.2f | %.1f", k.seconds * 1e3, k.bytes / 1e6, k.flops / 1e9,
                                  k.bytes / k.seconds / 1e9, k.flops / k.seconds / 1e9)
            let limit = k.limit == .memory ? "bandwidth" : "sgemm at shape"
            let noReuse: Double = k.gatheredBytes / k.seconds
            let ofGather = k.gatheredBytes > k.bytes ? String(format: "%.0f%%", 100 * noReuse / gatherRate) : "–"
            print("| \(k.kernel) | \(measured) | \(limit) | " + String(format: "%.0f%%", 100 * k.fraction)
                  + " | " + String(format: "%.2f", noReuse / 1e9) + " | \(ofGather) |")
        }
        print("\nMB moved: every array once (a perfectly cached traversal); \"if no row reuse\" counts one source row "
              + "per edge instead, so the kernel's real traffic lies between the two; the last column sets that rate "
              + "against the random row gather above.")
    }

    /// The --model table: each term of `ModelFloor` against the rates measured here, and the two totals.
    private func printFloor(_ terms: [FloorTerm], model: String, graph file: GraphFile, bandwidth: Double, workers: Int) {
        var denseRates: [String: Double] = [:], gatherRates: [Int: Double] = [:]
        print("\nfloor of \(model) on \(file.path): \(file.nodeCount) nodes, \(file.edgeCount) edges\n")
        print("| dense shape (rows x K -> D) | OpenBLAS GFLOP/s | engine GFLOP/s |")
        print("|---|---:|---:|")
        for term in terms {
            guard let shape = term.shape else { continue }
            let key = term.shapeName!
            guard denseRates[key] == nil else { continue }
            let blas = MatrixMultiplyRate.sgemm(rows: shape.rows, inDim: shape.inDim, outDim: shape.outDim, threads: workers, runs: runs)
            let engine = MatrixMultiplyRate.engine(rows: shape.rows, inDim: shape.inDim, outDim: shape.outDim, runs: runs)
            denseRates[key] = max(blas, engine)
            print("| \(key) | " + String(format: "%.1f | %.1f |", blas / 1e9, engine / 1e9))
        }
        for term in terms {
            guard let gather = term.gather, gatherRates[gather.rowBytes] == nil else { continue }
            let rate = MemoryBandwidth.randomRowGather(rows: file.nodeCount, channels: gather.rowBytes / 4, gathers: gather.rows,
                                                       threads: workers, runs: runs)
            gatherRates[gather.rowBytes] = rate
            print("\nrandom gather of \(gather.rowBytes)-byte rows: " + String(format: "%.2f GB/s", rate / 1e9))
        }
        print("\n| term | calls | MB per call | GFLOP per call | floor ms | unblocked gathers ms |")
        print("|---|---:|---:|---:|---:|---:|")
        var streaming = 0.0, random = 0.0
        for term in terms {
            let dense = term.shapeName.map { term.flops / denseRates[$0]! } ?? 0
            let memory = term.bytes / bandwidth
            // Without locality the one pass over the input rows becomes one source row per edge, at the
            // random-gather rate.
            let gathered = term.gather.map { g in
                (term.bytes - Double(file.nodeCount * g.rowBytes)) / bandwidth + Double(g.rows * g.rowBytes) / gatherRates[g.rowBytes]!
            } ?? memory
            let calls = Double(term.calls)
            streaming += calls * max(memory, dense)
            random += calls * max(gathered, dense)
            print("| \(term.name) | \(term.calls) | " + String(format: "%.1f | %.3f | %.1f | %.1f |", term.bytes / 1e6,
                  term.flops / 1e9, calls * max(memory, dense) * 1e3, calls * max(gathered, dense) * 1e3))
        }
        print("\nfloor: " + String(format: "%.3f s (every array once); %.3f s if every edge fetched its source row at random (no cache blocking)", streaming, random))
    }
}
