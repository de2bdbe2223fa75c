import Foundation
import GNNFormats

/// Refuses keys of a hand-written description that no reader would read, such as `"normalise": true`
/// for `normalize`: silently ignoring them would export a model that differs from the one meant.
///
/// The known keys come from the Codable types themselves, not from a second list: at each object of the
/// file, the keys the decoded value writes back (its writer states every option of its kind, and a conv's
/// `kind`) together with its stored properties, snake_cased, which are its CodingKeys (the properties also
/// cover optional keys the file left out, which the writer omits). Model files keep ignoring unknown keys
/// (forward compatibility); only descriptions are checked.
enum DescriptionKeys {
    /// Keys that PyG-side exports write but readers ignore, by the conv kind that accepts them: GENConv's
    /// `learn_msg_scale` only decides whether training updates `msg_norm.scale`, a tensor either way.
    static let ignoredConvKeys: [ConvSpec.Kind: Set<String>] = [.gen: ["learn_msg_scale"]]

    /// Top-level objects that are not part of the architecture: `export` (checked by `ExportOptions`) and
    /// `graph` (the graph contract, checked here against `ModelGraphContract`).
    static let sections: Set<String> = ["export", "graph"]

    /// Throws for the first key of `object` (the description's JSON) that `architecture` and `graph`
    /// (decoded from it) do not read.
    static func check(_ object: [String: Any], read architecture: ModelArchitecture, graph: ModelGraphContract?) throws {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let written = try JSONSerialization.jsonObject(with: try encoder.encode(architecture))
        try compare(object, written: written, value: architecture, path: [], conv: architecture.conv.kind)
        if let section = object["graph"] as? [String: Any] {
            let graphWritten = try graph.map { try JSONSerialization.jsonObject(with: try encoder.encode($0)) }
            try compare(section, written: graphWritten, value: graph, path: ["graph"], conv: architecture.conv.kind)
        }
    }

    /// Throws when `keys` holds a key outside `known`, naming the nearest known key.
    static func refuseUnknown(_ keys: some Sequence<String>, known: some Collection<String>, in place: String) throws {
        guard let unknown = keys.sorted().first(where: { !known.contains($0) }) else { return }
        let list = known.sorted().joined(separator: ", ")
        let hint = NearestName.suggestion(for: unknown, among: known.sorted()).map { "did you mean \"\($0)\"? " } ?? ""
        throw GNNError("unknown key \"\(unknown)\" in \(place)", fix: "\(hint)(\(place) reads: \(list); formats/arch.md)")
    }

    private static func compare(_ given: [String: Any], written: Any?, value: Any?, path: [String], conv: ConvSpec.Kind) throws {
        let properties = value.map(storedProperties) ?? [:]
        var known = Set(properties.keys)
        if let written = written as? [String: Any] { known.formUnion(written.keys) } else if written != nil { known.insert("kind") }
        if path.isEmpty { known.formUnion(sections) }
        if path == ["conv"] { known.formUnion(ignoredConvKeys[conv] ?? []) }
        // A null value means the default whatever the key is called, so it cannot change the model.
        let keys = given.filter { !($0.value is NSNull) }.keys
        try refuseUnknown(keys, known: known, in: path.isEmpty ? "the description" : path.joined(separator: "."))
        for key in keys.sorted() where !(path.isEmpty && sections.contains(key)) {
            guard let object = given[key] as? [String: Any] else { continue }
            try compare(object, written: (written as? [String: Any])?[key], value: properties[key], path: path + [key], conv: conv)
        }
    }

    /// The stored properties of `value` by snake_case name, looking through optionals and enum payloads
    /// (a conv's options, a head's own norm).
    private static func storedProperties(_ value: Any) -> [String: Any] {
        var mirror = Mirror(reflecting: value)
        while mirror.displayStyle == .optional || mirror.displayStyle == .enum, let payload = mirror.children.first {
            mirror = Mirror(reflecting: payload.value)
        }
        guard mirror.displayStyle == .struct else { return [:] }
        var result: [String: Any] = [:]
        for child in mirror.children {
            guard let label = child.label else { continue }
            result[SnakeCase.name(label)] = child.value
        }
        return result
    }
}
