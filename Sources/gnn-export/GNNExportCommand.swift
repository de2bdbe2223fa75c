import ArgumentParser
import Foundation
import GNNExport
import GNNFormats
import GNNKernels
import CommandLineSupport

extension ModelGraphContract.SelfLoops: ExpressibleByArgument {}

/// `gnn-export`: turn trained PyTorch Geometric weights into a gnn-serve model file, without Python.
@main
struct GNNExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gnn-export",
        abstract: "Export PyTorch Geometric weights (.safetensors or .pt) and an architecture description to a model file.",
        discussion: """
            WEIGHTS is a model.state_dict() saved with safetensors.torch.save_file or with torch.save (.pt, \
            recognised by content). A .pt is read without Python by a pickle reader that knows only what a \
            state_dict needs (OrderedDict, tensors, storages); a file naming anything else, such as \
            os.system, is refused unread. A checkpoint dict holding the state_dict beside other entries \
            ({"model_state_dict": ..., "epoch": 3}) needs --key (a safetensors file ignores a description's key, \
            with a note). Tensors may be f32, f16 or bf16 (f64 is \
            rounded).

            ARCH describes the model (formats/arch.md; examples in samples/*.arch.json): family, depth, \
            groups, channels, norm, conv and its options, plus an optional "export" object with key_map \
            (state_dict key prefixes → PyG example names), key, tie and class_names. The weights must be \
            exactly those the architecture reads: otherwise the error leads with a diagnosis (a hidden size, \
            a layer count, a prefix every key shares such as module. or _orig_mod., one block stored for \
            all layers), then lists the missing, unexpected and wrongly shaped keys with the shapes \
            expected and found, the first 12 of each (--verbose: all). --strip-prefix and --key-map rename \
            keys. A key of ARCH that is not read at its place is refused, naming the nearest known key. BatchNorm num_batches_tracked counters are \
            dropped.

            The graph the model was trained on can be recorded (a "graph" object in ARCH, or \
            --graph-self-loops and --graph-symmetric): 'gnn-serve predict' then refuses a graph packed \
            differently and prints the 'gnn-serve pack' command that fixes it.

            Layers whose weights repeat layer 0's (PyG ModuleList([block] * L)) are stored once. \
            Weight-tied families (wt-revgnn, wt-resgnn) accept one stored layer or L identical copies.

            Prints the parameter count, the file size and its ratio to the tensors' size in the source \
            file (what a safetensors file of them holds), and for f16/bf16 the largest absolute and \
            relative change any weight underwent. The file is written atomically.

            --guess drafts a description from the weights alone (stdout), for the layouts of PyG's \
            examples/rev_gnn.py, ogbn_proteins_deepgcn.py and gcn2_cora.py and of the deq family: sizes from \
            shapes, the conv and its options from its tensors; each choice the tensors do not decide \
            (activation, task, block kind, options without tensors, a DEQ solver) is stated on stderr.

            The file records when it was written: set SOURCE_DATE_EPOCH (seconds since 1970) to stamp \
            that time instead, and the same inputs export the same bytes.

            Exit status: 0 on success, 1 when an input is bad (one line on stderr), 2 for a wrong command line.
            """,
        version: GNNVersion.current)

    @Option(help: "The trained weights: a state_dict as .safetensors or .pt (torch.save).")
    var weights: String

    @Option(help: "The architecture description (JSON, formats/arch.md). Required unless --guess.")
    var arch: String?

    @Option(name: .shortAndLong, help: "The model file to write (by convention *.gnnz). Required unless --guess.")
    var output: String?

    @Flag(help: "Print a draft description inferred from the weights' names and shapes (stdout), with the assumptions it makes (stderr); write no model.")
    var guess = false

    @Option(help: "Storage type of the weights: f32, f16 or bf16.")
    var dtype: String = "f32"

    @Option(name: .customLong("state-dtype"),
            help: "Record how predict and serve should store the node state by default: f32, bf16 or f16 (a user's --state-dtype still decides). Refused for models that cannot run with it (DEQ, GCNII, graph-mode norms). Measure the tolerance on your data first: README, \"16-bit node state\".")
    var stateDType: StateDType?

    @Option(help: "A name for the model, shown by 'gnn-serve info'.")
    var name: String?

    @Option(help: "A text file with one class name per line, one per output channel (overrides the description's class_names).")
    var classNames: String?

    @Option(help: "The entry of a checkpoint dict that holds the state_dict, e.g. model_state_dict (overrides the description's key; \"\" clears it).")
    var key: String?

    @Option(name: .customLong("strip-prefix"), help: "Remove this prefix from every key that has it, e.g. module. (DataParallel) or _orig_mod. (torch.compile).")
    var stripPrefix: [String] = []

    @Option(name: .customLong("key-map"), help: "Rename keys starting with OLD to start with NEW (OLD=NEW, repeatable; the longest OLD that matches applies; adds to the description's key_map).")
    var keyMap: [String] = []

    @Flag(help: "On a mismatch, list every missing, wrongly shaped and unexpected tensor, not the first 12 of each.")
    var verbose = false

    @Flag(help: "Export NaN or infinite weights (and float64 values beyond the f32 range) instead of refusing them.")
    var allowNonfinite = false

    @Flag(help: "Require every layer's weights to repeat layer 0's, and store them once.")
    var tie = false

    @Flag(help: "Replace an existing output file.")
    var force = false

    @Option(help: "Self loops of the training graph, recorded for predict to check: one-per-node, none or any (overrides the description's graph.self_loops).")
    var graphSelfLoops: ModelGraphContract.SelfLoops?

    @Option(help: "Whether the training graph was symmetric (undirected), yes or no, recorded for predict to check (overrides the description's graph.symmetric).")
    var graphSymmetric: YesNo?

    /// `--graph-symmetric` values.
    enum YesNo: String, ExpressibleByArgument, CaseIterable {
        case yes, no
    }

    func validate() throws {
        guard let type = DType(name: dtype), type.isFloatingPoint else {
            throw ValidationError("--dtype must be f32, f16 or bf16, not '\(dtype)'")
        }
        for entry in keyMap where !entry.contains("=") {
            throw ValidationError("--key-map \(entry): expected OLD=NEW, e.g. --key-map gnn.blocks.=convs.")
        }
        if !guess && (arch == nil || output == nil) {
            throw ValidationError("give --arch and --output (or --guess to draft a description from the weights)")
        }
        if stripPrefix.contains("") { throw ValidationError("--strip-prefix needs a prefix, e.g. --strip-prefix module.") }
    }

    static func main() {
        CommandLineTool.main(GNNExportCommand.self, name: "gnn-export")
    }

    func run() throws {
        guard let arch, let output, !guess else { return try printGuess() }
        var description = try ArchitectureDescription(path: arch)
        if let classNames {
            description.export.classNames = try ClassNames.read(classNames)
            do {
                try description.export.validate(outputChannels: description.architecture.outputChannels)
            } catch let error as GNNError {
                throw error.located(at: classNames)
            }
        }
        applyKeyOptions(to: &description.export)
        if tie { description.export.tie = true }
        if graphSelfLoops != nil || graphSymmetric != nil {
            var graph = description.graph ?? ModelGraphContract()
            if let graphSelfLoops { graph.selfLoops = graphSelfLoops }
            if let graphSymmetric { graph.symmetric = graphSymmetric == .yes }
            description.graph = graph
        }
        var request = ModelImporter.Request(weights: weights, description: description, output: output)
        request.dtype = DType(name: dtype)!
        request.name = name
        request.overwrite = force
        request.verbose = verbose
        request.allowNonFinite = allowNonfinite
        request.stateDType = stateDType
        let report = try ModelImporter.export(request)
        for note in report.notes { CommandLineOutput.writeError("gnn-export: note: " + note) }
        let summary = report.summary
        let ratio = report.sourceBytes > 0 ? Double(summary.fileLength) / Double(report.sourceBytes) : 0
        print("wrote \(output): \(summary.parameterCount) parameters, \(ByteCount(Int(summary.fileLength)))"
              + String(format: " (%.3f× the %@ of tensors as safetensors)", ratio, "\(ByteCount(report.sourceBytes))"))
        for (stack, layers) in report.tiedStacks.sorted(by: { $0.key < $1.key }) {
            print("tied: the \(layers) layers of \"\(stack)\" hold the same weights, stored once")
        }
        if request.dtype != .float32 {
            print(String(format: "largest change from %@: %.3g absolute, %.3g relative", dtype,
                         report.change.largestAbsolute, report.change.largestRelative))
        }
    }

    /// `--guess`: the draft description on stdout, each assumption on stderr.
    private func printGuess() throws {
        var options = ExportOptions()
        applyKeyOptions(to: &options)
        let draft = try DescriptionGuess(weights: weights, options: options)
        print(try draft.json())
        var seen = Set<String>()
        for assumption in draft.assumptions where seen.insert(assumption).inserted {
            CommandLineOutput.writeError("gnn-export: assumed: " + assumption)
        }
    }

    /// --key (empty: none), --strip-prefix and --key-map over the description's export options.
    private func applyKeyOptions(to options: inout ExportOptions) {
        if let key { options.key = key.isEmpty ? nil : key }
        guard !stripPrefix.isEmpty || !keyMap.isEmpty else { return }
        var map = options.keyMap ?? [:]
        for prefix in stripPrefix { map[prefix] = "" }
        for entry in keyMap {
            let parts = entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            map[String(parts[0])] = String(parts[1])
        }
        options.keyMap = map
    }
}
