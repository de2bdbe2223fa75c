import ArgumentParser
import GNNFormats
import CommandLineSupport

/// `gnn-serve`: pack graphs into memory-mappable files and inspect graph and model files.
@main
struct GNNServe: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gnn-serve",
        abstract: "Serve very deep graph neural networks on CPU in memory that does not grow with depth.",
        discussion: """
            Files are recognised by their content, never by their extension; by convention graphs are \
            *.bin and models *.gnnz.

            Exit status: 0 on success, 1 when an input file or value is bad (one line on stderr says what, \
            where and how to fix it), 2 when the command line itself is wrong.
            """,
        version: GNNVersion.current,
        subcommands: [PackCommand.self, InfoCommand.self, PredictCommand.self, ServeCommand.self])

    static func main() {
        CommandLineTool.main(GNNServe.self, name: "gnn-serve")
    }
}

