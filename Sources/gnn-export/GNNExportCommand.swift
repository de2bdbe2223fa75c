import ArgumentParser
import Foundation
import GNNExport
import GNNFormats
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
            ({"model_state_dict": ..., "epoch": 3}) needs --key. Tensors may be f32, f16 or bf16 (f64 is \
            rounded).

            ARCH describes the model (formats/arch.md; examples in samples/*.arch.json): family, depth, \
            groups, channels, norm, conv and its options, plus an optional "export" object with key_map \
            (state_dict key prefixes → PyG example names), key, tie and class_names. The weights must be \
            exactly those the architecture reads: otherwise every missing, unexpected or wrongly shaped \
            key is listed with the shape expected and found. BatchNorm num_batches_tracked counters are \
            dropped.

            The graph the model was trained on can be recorded (a "graph" object in ARCH, or \
            --graph-self-loops and --graph-symmetric): 'gnn-serve predict' then refuses a graph packed \
            differently and prints the 'gnn-serve pack' command that fixes it.

            Layers whose weights repeat layer 0's (PyG ModuleList([block] * L)) are stored once. \
            Weight-tied families (wt-revgnn, wt-resgnn) accept one stored layer or L identical copies.

            Prints the parameter count, the file size and its ratio to the tensors' size in the source \
            file (what a safetensors file of them holds), and for f16/bf16 the largest absolute and \
            relative change any weight underwent. The file is written atomically.

            Exit status: 0 on success, 1 when an input is bad (one line on stderr), 2 for a wrong command line.
            """,
        version: GNNVersion.current)

    @Option(help: "The trained weights: a state_dict as .safetensors or .pt (torch.save).")
    var weights: String

    @Option(help: "The architecture description (JSON, formats/arch.md).")
    var arch: String

    @Option(name: .shortAndLong, help: "The model file to write (by convention *.gnnz).")
    var output: String

    @Option(help: "Storage type of the weights: f32, f16 or bf16.")
    var dtype: String = "f32"

    @Option(help: "A name for the model, shown by 'gnn-serve info'.")
    var name: String?

    @Option(help: "A text file with one class name per line, one per output channel (overrides the description's class_names).")
    var classNames: String?

    @Option(help: "The entry of a checkpoint dict that holds the state_dict, e.g. model_state_dict (overrides the description's key).")
    var key: String?

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
    }

    static func main() {
        CommandLineTool.main(GNNExportCommand.self, name: "gnn-export")
    }

    func run() throws {
        var description = try ArchitectureDescription(path: arch)
        if let classNames {
            description.export.classNames = try ClassNames.read(classNames)
            do {
                try description.export.validate(outputChannels: description.architecture.outputChannels)
            } catch let error as GNNError {
                throw error.located(at: classNames)
            }
        }
        if let key { description.export.key = key }
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
        let report = try ModelImporter.export(request)
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
}
