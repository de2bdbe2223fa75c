import ArgumentParser
import Foundation
import GNNExport
import GNNFormats
import CommandLineSupport

/// `gnn-export`: turn trained PyTorch Geometric weights into a gnn-serve model file, without Python.
@main
struct GNNExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gnn-export",
        abstract: "Export PyTorch Geometric weights (.safetensors) and an architecture description to a model file.",
        discussion: """
            WEIGHTS is a model.state_dict() saved with safetensors.torch.save_file. Its tensor names must be \
            those of the reference modules in scripts/fixtures/reference_models.py (PyG's examples/rev_gnn.py \
            and examples/ogbn_proteins_deepgcn.py naming). ARCH is the architecture document of \
            formats/model.md as JSON (see samples/*.arch.json). Tensors are stored byte-shuffled and \
            zstd-compressed when that makes them smaller; f16 and bf16 halve the size.

            Exit status: 0 on success, 1 when an input is bad (one line on stderr), 2 for a wrong command line.
            """,
        version: GNNVersion.current)

    @Option(help: "The trained weights: a .safetensors state_dict.")
    var weights: String

    @Option(help: "The architecture description (JSON, formats/model.md).")
    var arch: String

    @Option(name: .shortAndLong, help: "The model file to write (by convention *.gnnz).")
    var output: String

    @Option(help: "Storage type of the weights: f32, f16 or bf16.")
    var dtype: String = "f32"

    @Option(help: "A name for the model, shown by 'gnn-serve info'.")
    var name: String?

    @Flag(help: "Replace an existing output file.")
    var force = false

    func validate() throws {
        guard let type = DType(name: dtype), type.isFloatingPoint else {
            throw ValidationError("--dtype must be f32, f16 or bf16, not '\(dtype)'")
        }
    }

    static func main() {
        CommandLineTool.main(GNNExportCommand.self, name: "gnn-export")
    }

    func run() throws {
        let architecture = try ModelImporter.architecture(fromJSON: arch)
        let summary = try ModelImporter.importSafetensors(
            weights: weights, architecture: architecture, name: name, storeAs: DType(name: dtype)!, to: output,
            overwrite: force, sourceFramework: "PyTorch Geometric")
        let source = (try? FileManager.default.attributesOfItem(atPath: weights)[.size] as? Int) ?? 0
        let ratio = source > 0 ? Double(summary.fileLength) / Double(source) : 0
        print("wrote \(output): \(summary.parameterCount) parameters, \(ByteCount(Int(summary.fileLength)))"
              + String(format: " (%.2f× the safetensors file)", ratio))
    }
}
