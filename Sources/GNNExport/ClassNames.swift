import GNNFormats

/// A class-names file: UTF-8 text, one name per line (trailing empty lines ignored).
public enum ClassNames {
    public static func read(_ path: String) throws -> [String] {
        let file = try MappedFile(path: path)
        guard let text = String(validating: file.bytes, as: UTF8.self) else {
            throw GNNError("is not UTF-8 text", in: path, fix: "write one class name per line")
        }
        // "\r\n" is one Character, a newline like "\n".
        var names = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map(String.init)
        while names.last?.isEmpty == true { names.removeLast() }
        if let empty = names.firstIndex(of: "") {
            throw GNNError("line \(empty + 1) is empty", in: path, fix: "write one class name per line")
        }
        return names
    }
}
