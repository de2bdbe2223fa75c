/// Key names as the files spell them: the JSON coders' snake-case strategies turn `negative_slope` into
/// the Swift name `negativeSlope`, and errors must name the file's spelling.
public enum SnakeCase {
    /// `negativeSlope` → `negative_slope`.
    public static func name(_ swiftName: String) -> String {
        swiftName.reduce(into: "") { result, character in
            if character.isUppercase { result += "_" + character.lowercased() } else { result.append(character) }
        }
    }
}
