import Foundation
import GNNFormats

/// Turns PyTorch Geometric weights saved as safetensors, plus an architecture document, into a model file.
///
/// Tensor names are kept as they are (the `state_dict` keys of `scripts/fixtures/reference_models.py`).
/// Whether the tensors are the ones the architecture needs is checked by the engine, not here.
public enum ModelImporter {
    /// Copies every floating-point tensor of `weights` into a new model file at `output`, stored as `dtype`
    /// (f32, f16 or bf16). BatchNorm `running_mean`/`running_var` are marked as buffers; `num_batches_tracked`
    /// counters (unused at inference) are skipped; any other non-float tensor is refused.
    @discardableResult
    public static func importSafetensors(weights: String, architecture: ModelArchitecture, name: String?,
                                         storeAs dtype: DType, to output: String, overwrite: Bool,
                                         sourceFramework: String?) throws -> ModelFileWriter.Summary {
        guard dtype.isFloatingPoint else {
            throw GNNError("cannot store weights as \(dtype)", fix: "choose f32, f16 or bf16")
        }
        try architecture.validate()
        let file = try SafetensorsFile(path: weights)
        var writer = ModelFileWriter(metadata: ModelMetadata(architecture: architecture, name: name,
                                                             producer: "gnn-serve \(GNNVersion.current)",
                                                             sourceFramework: sourceFramework))
        for tensor in file.tensors {
            if tensor.name.hasSuffix("num_batches_tracked") { continue }
            guard tensor.dtype.isFloatingPoint else {
                throw GNNError("tensor \"\(tensor.name)\" has dtype \(tensor.dtype); only floating-point weights and running statistics can be imported",
                               in: weights, fix: "remove it from the state_dict before saving")
            }
            let isBuffer = tensor.name.hasSuffix("running_mean") || tensor.name.hasSuffix("running_var")
            do {
                try writer.add(tensor.name, shape: tensor.shape, values: try file.floats(tensor.name), dtype: dtype, isBuffer: isBuffer)
            } catch let error as GNNError {
                throw error.located(at: weights)
            }
        }
        return try writer.write(to: output, overwrite: overwrite)
    }

    /// Reads an architecture document (JSON with snake_case keys, as stored in model files) and validates it.
    public static func architecture(fromJSON path: String) throws -> ModelArchitecture {
        do {
            let file = try MappedFile(path: path)
            let data = file.withBytes { Data($0) }
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            let architecture: ModelArchitecture
            do {
                architecture = try decoder.decode(ModelArchitecture.self, from: data)
            } catch let DecodingError.keyNotFound(key, context) {
                throw GNNError("architecture lacks \(fieldPath(context.codingPath + [key]))", fix: "add the field")
            } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
                throw GNNError("architecture field \(fieldPath(context.codingPath)) has the wrong type")
            } catch let DecodingError.dataCorrupted(context) {
                throw GNNError("architecture is not valid: \(oneLine(context.debugDescription)) at \(fieldPath(context.codingPath))")
            }
            try architecture.validate()
            return architecture
        } catch let error as GNNError {
            throw error.located(at: path)
        }
    }

    /// `conv.negativeSlope` → `conv.negative_slope`, naming fields as the JSON spells them.
    private static func fieldPath(_ keys: [any CodingKey]) -> String {
        guard !keys.isEmpty else { return "(root)" }
        return keys.map { key in
            key.intValue.map(String.init) ?? key.stringValue.reduce(into: "") { result, character in
                if character.isUppercase { result += "_" + character.lowercased() } else { result.append(character) }
            }
        }.joined(separator: ".")
    }

    private static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}
