import Foundation
import GNNFormats

/// An architecture description file (`formats/arch.md`): the model file's architecture object plus an
/// optional `"export"` object of options that only matter while exporting.
///
/// ```json
/// {"family": "revgnn", "layers": 28, ..., "conv": {"kind": "sage"},
///  "export": {"key_map": {"model.": ""}, "key": "model_state_dict", "tie": false, "class_names": ["a", "b"]}}
/// ```
public struct ArchitectureDescription: Sendable {
    public var architecture: ModelArchitecture
    public var export: ExportOptions
    /// The optional `"graph"` object: the graph the model was trained on, recorded in the model file so that
    /// `predict` can check a graph against it (formats/arch.md, formats/model.md §8.9).
    public var graph: ModelGraphContract?

    public init(architecture: ModelArchitecture, export: ExportOptions = ExportOptions(), graph: ModelGraphContract? = nil) {
        self.architecture = architecture
        self.export = export
        self.graph = graph
    }

    /// Reads and validates a description file.
    public init(path: String) throws {
        do {
            let data = try MappedFile(path: path).withBytes { Data($0) }
            let object = try JSONSyntax.object(data)
            architecture = try Self.decode(ModelArchitecture.self, from: data, object: object)
            graph = try Self.decode(GraphSection.self, from: data, object: object).graph
            // Unknown keys before validation: a misspelt key is the likelier cause of a value that looks wrong.
            try DescriptionKeys.check(object, read: architecture, graph: graph)
            try architecture.validate()
            export = try Self.decode(ExportSection.self, from: data, object: object).export ?? ExportOptions()
            if let section = object["export"] as? [String: Any] {
                try DescriptionKeys.refuseUnknown(section.keys, known: ExportOptions.fieldNames, in: "export")
            }
            try export.validate(outputChannels: architecture.outputChannels)
        } catch let error as GNNError {
            throw error.located(at: path)
        }
    }

    private struct ExportSection: Decodable {
        var export: ExportOptions?
    }

    private struct GraphSection: Decodable {
        var graph: ModelGraphContract?
    }

    /// Decodes snake_case JSON, with errors that name the field as the file spells it.
    /// `object` is the same JSON, parsed, to find a near miss of a missing key.
    private static func decode<T: Decodable>(_ type: T.Type, from data: Data, object: [String: Any] = [:]) throws -> T {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        do {
            return try decoder.decode(type, from: data)
        } catch let DecodingError.keyNotFound(key, context) {
            let path = context.codingPath + [key]
            // A required key that is missing is most often misspelt: name the near miss the file has instead.
            let keys = path.dropLast().reduce(object as Any?) { ($0 as? [String: Any])?[fieldPath([$1])] }
            if let present = (keys as? [String: Any])?.keys.sorted(),
               let near = NearestName.suggestion(for: fieldPath([key]), among: present) {
                throw GNNError("architecture lacks \(fieldPath(path))", fix: "the description has \"\(near)\": did you mean \"\(fieldPath([key]))\"?")
            }
            throw GNNError("architecture lacks \(fieldPath(path))", fix: "add the field (formats/arch.md)")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            throw GNNError("architecture field \(fieldPath(context.codingPath)) has the wrong type", fix: "see formats/arch.md")
        } catch let DecodingError.dataCorrupted(context) {
            // The syntax was checked already: Foundation says "not valid JSON" for a number it cannot store in
            // the field's type (a fraction or a value beyond 64 bits where a whole number belongs).
            if context.codingPath.isEmpty, let (path, value) = unreadableNumber(type, in: object) {
                throw GNNError("architecture field \(path) is \(GNNError.echo(value)), which its type cannot hold", fix: "give a whole number in range (see formats/arch.md)")
            }
            throw GNNError("architecture is not valid: \(oneLine(context.debugDescription)) at \(fieldPath(context.codingPath))",
                           fix: "see formats/arch.md")
        } catch {
            throw GNNError("architecture cannot be read: \(error)")
        }
    }

    /// The first number of `object` (as the file spells its path, and its value) whose replacement by 0 lets
    /// `type` decode past Foundation's "not valid JSON": the number its field cannot hold.
    private static func unreadableNumber<T: Decodable>(_ type: T.Type, in object: [String: Any]) -> (String, String)? {
        var leaves: [[String]] = []
        func collect(_ value: Any, _ path: [String]) {
            if let dictionary = value as? [String: Any] {
                for key in dictionary.keys.sorted() { collect(dictionary[key]!, path + [key]) }
            } else if let array = value as? [Any] {
                for (index, item) in array.enumerated() { collect(item, path + [String(index)]) }
            } else if value is NSNumber {
                leaves.append(path)
            }
        }
        collect(object, [])
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        for path in leaves {
            guard let data = try? JSONSerialization.data(withJSONObject: replacing(path[...], in: object, with: 0)) else { continue }
            do {
                _ = try decoder.decode(type, from: data)
            } catch let DecodingError.dataCorrupted(context) where context.codingPath.isEmpty {
                continue
            } catch {}
            let value = path.reduce(object as Any?) { value, key in
                (value as? [String: Any])?[key] ?? (value as? [Any]).flatMap { array in Int(key).map { array[$0] } }
            }
            return (path.joined(separator: "."), value.map { "\($0)" } ?? "?")
        }
        return nil
    }

    /// `value` with the leaf at `path` set to `leaf`.
    private static func replacing(_ path: ArraySlice<String>, in value: Any, with leaf: Any) -> Any {
        guard let key = path.first else { return leaf }
        if var dictionary = value as? [String: Any], let inner = dictionary[key] {
            dictionary[key] = replacing(path.dropFirst(), in: inner, with: leaf)
            return dictionary
        }
        if var array = value as? [Any], let index = Int(key), array.indices.contains(index) {
            array[index] = replacing(path.dropFirst(), in: array[index], with: leaf)
            return array
        }
        return value
    }

    /// `conv.negativeSlope` → `conv.negative_slope`, naming fields as the JSON spells them.
    private static func fieldPath(_ keys: [any CodingKey]) -> String {
        guard !keys.isEmpty else { return "(root)" }
        return keys.map { key in key.intValue.map(String.init) ?? SnakeCase.name(key.stringValue) }.joined(separator: ".")
    }

    private static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}

/// Options of an export that are not part of the model: how to find and name the weights.
public struct ExportOptions: Codable, Sendable, Equatable {
    /// State_dict key prefixes → the names the architecture uses (PyG's examples), longest prefix first:
    /// `{"model.": "", "gnn.blocks.": "convs."}`. The empty prefix matches every key not matched otherwise.
    public var keyMap: [String: String]?
    /// The entry of a checkpoint dict that holds the state_dict (`model_state_dict`).
    public var key: String?
    /// Require every layer's weights to be the same tensors (one set stored).
    public var tie: Bool?
    /// One name per output channel.
    public var classNames: [String]?

    static let fieldNames = ["key_map", "key", "tie", "class_names"]

    public init(keyMap: [String: String]? = nil, key: String? = nil, tie: Bool? = nil, classNames: [String]? = nil) {
        self.keyMap = keyMap
        self.key = key
        self.tie = tie
        self.classNames = classNames
    }

    /// Checks the options against a model with `outputChannels` outputs.
    public func validate(outputChannels: Int) throws {
        if let classNames, classNames.count != outputChannels {
            throw GNNError("has \(classNames.count) class names for \(outputChannels) outputs",
                           fix: "give one name per output channel")
        }
    }

    /// `name` with its longest matching `keyMap` prefix replaced.
    func mapped(_ name: String) -> String {
        guard let keyMap, let prefix = keyMap.keys.filter({ name.hasPrefix($0) }).max(by: { $0.count < $1.count }) else {
            return name
        }
        return keyMap[prefix]! + name.dropFirst(prefix.count)
    }
}
