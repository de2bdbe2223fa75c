import ArgumentParser
import CommandLineSupport
import GNNFormats

/// `gnn-bench`: the benchmark harness's Swift half — synthetic graphs and the machine's roofline.
@main
struct GNNBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gnn-bench",
        abstract: "Benchmark tools for gnn-serve: synthetic OGB-shaped graphs and a roofline of the kernels.",
        discussion: """
            bench/engine/run.sh drives these together with PyTorch Geometric; bench/README.md has the \
            commands.

            Exit status: 0 on success, 1 when an input file or value is bad (one line on stderr says what, \
            where and how to fix it), 2 when the command line itself is wrong.
            """,
        version: GNNVersion.current,
        subcommands: [GraphCommand.self, RooflineCommand.self])

    static func main() {
        CommandLineTool.main(GNNBenchCommand.self, name: "gnn-bench")
    }
}
