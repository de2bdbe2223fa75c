/// Decoding of a conv option that is one of a fixed set of names (`aggr`, `mlp_norm`).
enum OptionName {
    /// The value `decoder` holds, by its raw name or one of PyG's `aliases`. Any other name is a
    /// `DecodingError` whose description is `unsupported(name)`, so that opening the file fails naming the
    /// allowed values rather than the convolution later computing something else.
    static func decode<Value: RawRepresentable<String>>(_ decoder: any Decoder, aliases: [String: Value] = [:],
                                                        unsupported: (String) -> String) throws -> Value {
        let container = try decoder.singleValueContainer()
        let name = try container.decode(String.self)
        guard let value = Value(rawValue: name) ?? aliases[name] else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: unsupported(name))
        }
        return value
    }
}
