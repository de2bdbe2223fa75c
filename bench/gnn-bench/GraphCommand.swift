import ArgumentParser
import CommandLineSupport
import GNNBench
import GNNFormats

/// `gnn-bench graph`: write a seeded synthetic graph of an OGB shape.
struct GraphCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "graph",
        abstract: "Write a seeded synthetic graph shaped like an OGB node-property data set.",
        discussion: """
            Shapes (full size, scale 1): arxiv (169,343 nodes, 2.33M directed edges, 128 features, 40 \
            classes), proteins (132,534 nodes, 79.1M directed edges with 8 features each, 8 node features, \
            112 binary tasks), products (2,449,029 nodes, 123.7M directed edges, 100 features, 47 classes). \
            --scale multiplies nodes and edges alike, keeping the mean degree.

            Each node's in-degree is log-normal around the data set's mean; most of its sources come from \
            its own class (its species for proteins), and its features are its class's mean plus noise, so \
            a model can tell classes apart. Rows are sorted, without repeated edges or self loops. Labels \
            (or targets), train/valid/test splits in OGB's proportions, and edge features for proteins are \
            written too. The same shape, scale and seed give the same file on any machine and thread count.

            The graph is streamed to the file: memory stays about 16 bytes per node plus 16 MiB of edges \
            (128 MiB with proteins' edge features), whatever the edge count. The output appears only when \
            complete.
            """)

    @Option(help: "The data set to imitate: arxiv, proteins or products.")
    var shape: String

    @Option(help: "Multiplies the node and edge counts (e.g. 0.02 for a quick run).")
    var scale: Double = 1

    @Option(help: "Seed of every random choice.")
    var seed: UInt64 = 0

    @Option(name: .shortAndLong, help: "The graph file to write (by convention *.bin).")
    var output: String

    @Flag(help: "Do not show progress.")
    var quiet = false

    func validate() throws {
        guard SyntheticGraphShape.named(shape) != nil else {
            throw ValidationError("--shape must be one of \(SyntheticGraphShape.all.map(\.name).joined(separator: ", ")), not '\(shape)'")
        }
    }

    func run() throws {
        let graph = try SyntheticGraph(shape: SyntheticGraphShape.named(shape)!, scale: scale, seed: seed)
        let progress = TerminalProgress.make(quiet: quiet)
        let summary = try SyntheticGraphWriter.write(graph, to: output, progress: progress)
        progress?.finish()
        guard !quiet else { return }
        CommandLineOutput.writeError("wrote \(shape)-shaped graph (scale \(scale), seed \(seed)): \(summary.nodes) nodes, "
            + "\(summary.edges) edges into \(output) (\(ByteCount(Int(summary.fileBytes))))")
    }
}
