import ArgumentParser
import GNNFormats
import GNNModels

/// `gnn-serve info`: describe a graph or model file.
struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Describe a graph or model file: version, sizes, dims, dtypes, sections or tensors.",
        discussion: """
            Without --verify, info reads only the header and table (graphs) or the header, metadata and \
            tensor table (models), which is instant for any file size. --verify also checks graph structure \
            (row offsets from 0 to M, every index below N, labels >= -1), recomputes every checksum, checks \
            padding, and counts NaN/infinite features; for models it decodes every tensor and checks that the \
            tensors are exactly those the architecture reads.

            For a DEQ model, info also states the solver settings and the activation memory of a forward \
            pass, in copies of the N x hidden state (the solver's plus \(EquilibriumMemory.functionCopies) for f), which is the same for any \
            number of iterations.
            """)

    @Argument(help: "A graph file (*.bin) or model file (*.gnnz).")
    var file: String

    @Flag(help: "Check structure and every checksum (reads the whole file).")
    var verify = false

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func run() throws {
        let info = try FileInfo.inspect(file, verify: verify)
        if verify, case .model = info { try WeightAudit.check(ModelFile(path: file)) }
        print(json ? try info.json() : info.text)
    }
}
