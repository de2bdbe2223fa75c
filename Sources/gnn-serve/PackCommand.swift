import ArgumentParser
import Foundation
import GNNFormats
import CommandLineSupport
import GNNImport

extension SelfLoopMode: ExpressibleByArgument {}
extension DuplicateMode: ExpressibleByArgument {}
extension NodeOrderMode: ExpressibleByArgument {}
extension ShardPartition: ExpressibleByArgument {}

/// `gnn-serve pack`: turn an input graph into a memory-mappable graph file.
struct PackCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pack",
        abstract: "Pack a graph into a memory-mappable graph file (CSR by destination).",
        discussion: """
            INPUT is recognised by its content:
              - a NumPy .npz with edge_index (2 x M), x (N x F), and optionally edge_attr (M x E), y ([N] class \
            ids or [N, T] targets), train_mask/val_mask/test_mask or train_idx/val_idx/test_idx, node_ids;
              - a directory in OGB's raw layout: raw/edge.csv.gz, raw/node-feat.csv.gz, optionally \
            raw/edge-feat.csv.gz, raw/node-label.csv.gz, split/NAME/{train,valid,test}.csv.gz;
              - a CSV/TSV edge list (one "source destination" pair per line) with --features FILE.npy;
              - a graph file written by pack, to pack it again (e.g. --reorder metis, another --feature-dtype).

            With --reorder metis the nodes are stored grouped by METIS parts of about \(NodeOrdering.partNodes) \
            nodes, so that neighbours sit near each other in memory and the aggregations of `predict` gather \
            mostly from cache. The file records the order (section node.order): `predict` still takes and \
            writes the input's node ids, and split ids keep naming the same nodes. METIS runs once, at \
            pack time, and needs far more memory than packing: on a 2.45M-node graph with 124M edges it took \
            11 minutes and 16.3 GiB (about 140 bytes per edge).

            Each row of the output is sorted by source. Self loops and repeated edges are handled as the \
            options say and always reported. The file records whether the graph is symmetric and whether \
            every node has exactly one self loop, measured on the packed rows ('gnn-serve info' shows them; \
            'predict' checks them against the graph a model was trained on). The output appears only when complete: an interrupted pack \
            leaves no file behind. An existing output is replaced only with --force.

            With --shards K the graph is written as K shard files NAME.shard-i-of-K.bin instead of -o NAME.bin, \
            for 'mpirun -np K gnn-serve predict --model M NAME.shard-%d-of-K.bin'. Each shard holds the nodes \
            it owns with their in-edges in the whole graph's order, the halo (the other shards' nodes its \
            aggregations read) and the lists of rows to exchange (formats/graph.md 6.2). --partition range \
            gives each shard a consecutive range of rows; metis gives K METIS parts, which cut fewer edges.
            """)

    @Argument(help: "The input graph: .npz file, OGB data set directory, CSV/TSV edge list, or graph file.")
    var input: String

    @Option(name: .shortAndLong, help: "The graph file to write (by convention *.bin).")
    var output: String

    @Option(help: "Node features for an edge-list input: an N x F .npy array.")
    var features: String?

    @Flag(help: "Add the reverse of every edge (as PyG's to_undirected; combine with --duplicates remove to match it exactly).")
    var undirected = false

    @Option(help: "Self loops: keep them as given, remove all, or add (exactly one per node).")
    var selfLoops: SelfLoopMode = .keep

    @Option(help: "Repeated edges: keep every copy, or remove all but the first.")
    var duplicates: DuplicateMode = .keep

    @Option(help: "Node order in the file: none (input order) or metis (neighbours stored together; faster predict).")
    var reorder: NodeOrderMode = .none

    @Option(help: "Storage type of node and edge features: f32, f16 or bf16.")
    var featureDtype: String = "f32"

    @Option(help: "Write K shard files NAME.shard-i-of-K.bin for mpirun instead of one graph file.")
    var shards: Int?

    @Option(help: "With --shards: assign nodes to shards by row range or by METIS parts (default: range).")
    var partition: ShardPartition?

    @Flag(help: "Replace an existing output file.")
    var force = false

    @Flag(help: "Do not show progress.")
    var quiet = false

    func validate() throws {
        guard let dtype = DType(name: featureDtype), dtype.isFloatingPoint else {
            throw ValidationError("--feature-dtype must be f32, f16 or bf16, not '\(featureDtype)'")
        }
        if let shards, shards < 1 { throw ValidationError("--shards must be at least 1") }
        if partition != nil && shards == nil { throw ValidationError("--partition applies only with --shards K") }
    }

    /// The files this command writes.
    private var outputs: [String] {
        guard let shards else { return [output] }
        return (0..<shards).map { ShardLayout.fileName(base: output, index: $0, count: shards) }
    }

    func run() throws {
        // Refuse before reading the input, which can take minutes; the writer checks again at the end.
        for path in outputs { try AtomicOutputFile.checkDestination(path, overwrite: force) }
        let progress = TerminalProgress.make(quiet: quiet)
        defer { progress?.finish() }
        let graph = try GraphPacker.readInput(input, featuresPath: features, progress: progress)
        let options = PackOptions(
            adjacency: AdjacencyOptions(undirected: undirected, selfLoops: selfLoops, duplicates: duplicates),
            featureDType: DType(name: featureDtype)!, overwrite: force, order: reorder)
        // Shards are cut from the packed whole graph, which is written next to them and removed after.
        let whole = shards == nil ? output : output + ".whole-\(getpid()).tmp"
        let report = try GraphPacker.pack(graph, to: whole, options: options, source: input, progress: progress)
        if shards != nil { TemporaryFiles.register(whole) }
        defer { if shards != nil { unlink(whole); TemporaryFiles.unregister(whole) } }
        var shardReports: [ShardReport] = []
        if let shards {
            shardReports = try ShardWriter.write(GraphFile(path: whole), count: shards, partition: partition ?? .range, base: output,
                                                 overwrite: force, progress: progress)
        }
        progress?.finish()
        guard !quiet else { return }
        let edges = report.edges
        var notes: [String] = []
        if edges.reverseEdgesAdded > 0 { notes.append("\(edges.reverseEdgesAdded) reverse edges added") }
        if edges.selfLoopsInInput > 0 {
            notes.append("\(edges.selfLoopsInInput) self loops in input" + (edges.selfLoopsRemoved > 0 ? " (removed)" : " (kept)"))
        }
        if edges.selfLoopsAdded > 0 { notes.append("\(edges.selfLoopsAdded) self loops added") }
        if edges.duplicatesFound > 0 {
            notes.append("\(edges.duplicatesFound) repeated edges" + (edges.duplicatesRemoved > 0 ? " removed" : " kept (--duplicates remove drops them)"))
        }
        CommandLineOutput.writeError("packed \(report.nodes) nodes, \(edges.inputEdges) -> \(edges.outputEdges) edges, "
            + "\(report.nodeFeatures) features per node" + (report.edgeFeatures > 0 ? ", \(report.edgeFeatures) per edge" : "")
            + (shards == nil ? " into \(output) (\(ByteCount(Int(report.fileBytes))))" : ""))
        for shard in shardReports {
            CommandLineOutput.writeError("  \(shard.path): \(shard.ownedRows) owned rows, \(shard.haloRows) halo rows, "
                + "\(shard.cutEdges) cut edges (\(ByteCount(Int(shard.fileBytes))))")
        }
        if report.orderParts > 0 { notes.append("nodes ordered by \(report.orderParts) METIS parts") }
        if !notes.isEmpty { CommandLineOutput.writeError("  " + notes.joined(separator: "; ")) }
        if report.nonFiniteNodeFeatures + report.nonFiniteEdgeFeatures > 0 {
            CommandLineOutput.writeError("warning: \(report.nonFiniteNodeFeatures) node-feature and \(report.nonFiniteEdgeFeatures) edge-feature values are NaN or infinite; they were kept as they are")
        }
    }
}
