import Foundation
import GNNFormats
import GNNKernels
import GNNModels

/// Turns a PyTorch Geometric `state_dict` (`.safetensors` or `.pt`) and an architecture description into
/// a model file.
///
/// Steps: read the tensors (`StateDict`), drop BatchNorm's `num_batches_tracked` counters, rename keys by
/// the description's `key_map`, find tied layers (`LayerTying`), check the names and shapes against the
/// model the architecture builds (`WeightAudit`, listing every problem at once), then store what the model
/// reads, tied copies once.
public enum ModelImporter {
    /// What to export and how.
    public struct Request {
        public var weights: String
        public var description: ArchitectureDescription
        public var output: String
        public var dtype: DType = .float32
        public var name: String?
        public var overwrite = false
        /// List every mismatched tensor rather than the first `WeightMismatch.listed` of each kind.
        public var verbose = false
        /// Export weights that are NaN or infinite (after conversion to f32) instead of refusing them.
        public var allowNonFinite = false
        public var sourceFramework: String? = "PyTorch Geometric"
        /// The state dtype to recommend in the file (`gnn-export --state-dtype`), refused where `predict`
        /// could not use it; nil: none recorded.
        public var stateDType: StateDType?

        public init(weights: String, description: ArchitectureDescription, output: String) {
            self.weights = weights
            self.description = description
            self.output = output
        }
    }

    /// What an export did.
    public struct Report: Sendable {
        public var summary: ModelFileWriter.Summary
        /// Bytes of all the state_dict's tensors in their source types, tied copies and counters included:
        /// what a safetensors file of the same weights holds besides its JSON header.
        public var sourceBytes: Int
        /// Layer stacks stored once because their layers repeat layer 0 (stack name → layers).
        public var tiedStacks: [String: Int]
        /// The largest change a value underwent when stored as f16 or bf16 (zero for f32).
        public var change: PrecisionChange
        /// What the export decided on the user's behalf, for stderr.
        public var notes: [String]
    }

    /// Exports `request.weights`; nothing is written unless every check passes.
    @discardableResult
    public static func export(_ request: Request) throws -> Report {
        guard request.dtype.isFloatingPoint else {
            throw GNNError("cannot store weights as \(request.dtype)", fix: "choose f32, f16 or bf16")
        }
        let architecture = request.description.architecture, options = request.description.export
        try architecture.validate()
        if let stateDType = request.stateDType {
            try StateDTypeSupport.check(architecture, stateDType)
        }
        try options.validate(outputChannels: architecture.outputChannels)
        let state = try StateDict(path: request.weights, key: options.key)
        var tensors = try renamed(state.tensors.filter { !$0.name.hasSuffix("num_batches_tracked") }, options, path: state.path)
        let tying = try LayerTying(tensors)
        let weightTied = architecture.family == .wtRevgnn || architecture.family == .wtResgnn
        try check(tying, weightTied: weightTied, family: architecture.family, required: options.tie == true, path: request.weights)
        // A weight-tied model reads layer 0 only; its copies would be unexpected.
        if weightTied { tensors.removeAll { tying.copies[$0.name] != nil } }

        let audit = try WeightAudit(architecture, offered: Dictionary(tensors.map { ($0.name, $0.shape) }) { first, _ in first })
        guard audit.isClean else {
            let shapes = Dictionary(tensors.map { ($0.name, $0.shape) }) { first, _ in first }
            throw WeightMismatch(audit: audit, shapes: shapes, architecture: architecture).error(path: request.weights, verbose: request.verbose)
        }
        var writer = ModelFileWriter(metadata: ModelMetadata(architecture: architecture, name: request.name,
                                                             producer: "gnn-export \(GNNVersion.current)",
                                                             sourceFramework: request.sourceFramework,
                                                             classNames: options.classNames,
                                                             graph: request.description.graph.flatMap { $0.isEmpty ? nil : $0 },
                                                             stateDtype: request.stateDType?.rawValue))
        var change = PrecisionChange()
        // File order, each alias after the tensor it repeats.
        let used = Set(audit.used)
        let stored = tensors.filter { used.contains($0.name) && tying.copies[$0.name] == nil }
        let aliases = tensors.filter { used.contains($0.name) && tying.copies[$0.name] != nil }
        for tensor in stored + aliases {
            guard tensor.isFloatingPoint else {
                throw GNNError("tensor \"\(tensor.name)\" has type \(tensor.sourceType); only floating-point weights can be imported",
                               in: request.weights, fix: "convert it to float32 before saving")
            }
            do {
                if let original = tying.copies[tensor.name] {
                    try writer.addAlias(tensor.name, of: original)
                    continue
                }
                let values = try tensor.floats()
                if !request.allowNonFinite, let index = values.firstIndex(where: { !$0.isFinite }) {
                    let beyond = tensor.sourceType.contains("64") || tensor.sourceType.hasPrefix("Double")
                        ? " (or a \(tensor.sourceType) value beyond the f32 range)" : ""
                    throw GNNError("tensor \"\(tensor.name)\" holds \(values[index]) at index \(index)\(beyond): a model with non-finite weights outputs NaN",
                                   fix: "check the training run, or pass --allow-nonfinite to export it anyway")
                }
                change.note(values, storedAs: request.dtype)
                let isBuffer = tensor.name.hasSuffix("running_mean") || tensor.name.hasSuffix("running_var")
                try writer.add(tensor.name, shape: tensor.shape, values: values, dtype: request.dtype, isBuffer: isBuffer)
            } catch let error as GNNError {
                throw error.located(at: request.weights)
            }
        }
        return Report(summary: try writer.write(to: request.output, overwrite: request.overwrite), sourceBytes: state.sourceBytes,
                      tiedStacks: tying.tiedStacks, change: change, notes: state.notes)
    }

    /// Refuses layers that differ where the architecture or `--tie` needs them tied.
    private static func check(_ tying: LayerTying, weightTied: Bool, family: ModelArchitecture.Family, required: Bool,
                              path: String) throws {
        let firstDifference = tying.untiedReasons.min { $0.key < $1.key }
        if weightTied, let (stack, reason) = firstDifference {
            throw GNNError("the architecture is weight-tied (\(family.rawValue)) but the layers of \"\(stack)\" hold different weights: \(reason)",
                           in: path, fix: "export it with an untied family, or save the tied model's weights")
        }
        guard required && !weightTied else { return }
        if let (stack, reason) = firstDifference {
            throw GNNError("tying is required but the layers of \"\(stack)\" hold different weights: \(reason)", in: path,
                           fix: "drop --tie to store every layer")
        }
        if tying.tiedStacks.isEmpty {
            throw GNNError("tying is required but no layers repeat: the state_dict has no stack of several layers", in: path,
                           fix: "drop --tie")
        }
    }

    /// Applies the key map, refusing two keys that map to one name.
    private static func renamed(_ tensors: [ImportedTensor], _ options: ExportOptions, path: String) throws -> [ImportedTensor] {
        var seen: [String: String] = [:]
        return try tensors.map { tensor in
            let name = options.mapped(tensor.name)
            if let other = seen.updateValue(tensor.name, forKey: name) {
                throw GNNError("keys \"\(other)\" and \"\(tensor.name)\" both map to \"\(name)\"", in: path, fix: "check key_map")
            }
            return name == tensor.name ? tensor : tensor.renamed(name)
        }
    }
}
