import Foundation

/// The metadata document of a model file: the architecture plus what a user wants to know about the model.
///
/// Stored as UTF-8 JSON with snake_case keys; readers ignore keys they do not know.
public struct ModelMetadata: Codable, Sendable, Equatable {
    public var architecture: ModelArchitecture
    /// A human name for the model.
    public var name: String?
    /// The tool and version that wrote the file, e.g. `gnn-export 0.1.0`.
    public var producer: String
    /// When the file was written, ISO 8601 in UTC.
    public var createdAt: String?
    /// Where the weights came from, e.g. `PyTorch Geometric 2.8.0`.
    public var sourceFramework: String?
    /// Learned parameters (buffers such as running statistics excluded; shared tensors counted once).
    public var parameterCount: Int
    /// What the exporter knows about training: data set, epochs, metrics. Free-form.
    public var training: [String: String]?
    /// Output names, one per output channel, if given.
    public var classNames: [String]?
    /// The graph the model was trained on (self loops, symmetry), which `predict` checks; nil: not recorded.
    public var graph: ModelGraphContract?
    /// How the exporter recommends storing the node state when scoring (`f32`, `bf16`, `f16`; format 1.2,
    /// `gnn-export --state-dtype`); `predict` and `serve` use it unless told otherwise. nil: float32.
    /// Kept as the stored text: a value this reader does not know is a recommendation it cannot follow,
    /// not a reason to refuse the file.
    public var stateDtype: String?

    public init(architecture: ModelArchitecture, name: String? = nil, producer: String, createdAt: String? = nil,
                sourceFramework: String? = nil, parameterCount: Int = 0, training: [String: String]? = nil,
                classNames: [String]? = nil, graph: ModelGraphContract? = nil, stateDtype: String? = nil) {
        self.architecture = architecture
        self.name = name
        self.producer = producer
        self.createdAt = createdAt
        self.sourceFramework = sourceFramework
        self.parameterCount = parameterCount
        self.training = training
        self.classNames = classNames
        self.graph = graph
        self.stateDtype = stateDtype
    }

    /// The JSON bytes stored in the file.
    func encoded() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
        return Array(try encoder.encode(self))
    }

    /// Decodes the stored JSON, with an error that says which field is wrong.
    static func decode(_ bytes: UnsafeRawBufferPointer) throws -> ModelMetadata {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        do {
            return try decoder.decode(ModelMetadata.self, from: Data(bytes))
        } catch let DecodingError.keyNotFound(key, context) {
            throw GNNError("metadata lacks \(path(context.codingPath + [key]))")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            throw GNNError("metadata field \(path(context.codingPath)) has the wrong type")
        } catch let DecodingError.dataCorrupted(context) {
            throw GNNError("metadata is not valid: \(context.debugDescription) at \(path(context.codingPath))")
        }
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.isEmpty ? "(root)" : keys.map { $0.intValue.map(String.init) ?? $0.stringValue.snakeCased }.joined(separator: ".")
    }
}

extension String {
    /// `hiddenChannels` → `hidden_channels`, to name fields as the file spells them.
    var snakeCased: String {
        var result = ""
        for character in self {
            if character.isUppercase { result += "_" + character.lowercased() } else { result.append(character) }
        }
        return result
    }
}
