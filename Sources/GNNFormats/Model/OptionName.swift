/// Decoding of an architecture value that is one of a fixed set of names (a conv's `aggr` and `mlp_norm`,
/// a norm's or an activation's kind).
enum OptionName {
    /// The value `decoder` holds, by its raw name or one of PyG's `aliases`. Any other name is a
    /// `DecodingError` whose description is `unsupported(name)`, so that opening the file fails naming the
    /// allowed values rather than the convolution later computing something else.
    static func decode<Value: RawRepresentable<String>>(_ decoder: any Decoder, aliases: [String: Value] = [:],
                                                        unsupported: (String) -> String) throws -> Value {
        let container = try decoder.singleValueContainer()
        let name = try container.decode(String.self)
        guard let value = Value(rawValue: name) ?? aliases[name] else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: unsupported(GNNError.echo(name)))
        }
        return value
    }
}
