import Foundation
import GNNFormats

/// Reads a hand-written JSON object and, when it is not valid JSON, says where: Foundation reports only
/// "not valid JSON" (or a character offset), while a person editing the file needs a line and a column.
enum JSONSyntax {
    /// The top-level object of `data`; a syntax error names its line and column and what was expected.
    static func object(_ data: Data) throws -> [String: Any] {
        let value: Any
        do {
            value = try JSONSerialization.jsonObject(with: data)
        } catch {
            let bytes = Array(data)
            var scanner = Scanner(bytes: bytes)
            guard let (offset, expected) = scanner.firstError() else {
                // The syntax is right, so Foundation refused a value: a number beyond a double's range.
                throw GNNError("is valid JSON that holds a number beyond the range of a 64-bit float (such as 1e400)",
                               fix: "write the number within ±1.8e308")
            }
            let (line, column) = position(of: offset, in: bytes)
            throw GNNError("is not valid JSON: line \(line), column \(column): expected \(expected)",
                           fix: "correct the JSON (no comments, keys in double quotes)")
        }
        // Readers disagree on which of two values of one key counts (Foundation keeps one silently).
        if let key = data.withUnsafeBytes({ JSONDuplicateKeys.first(in: $0) }) {
            throw GNNError("has the key \"\(GNNError.echo(key))\" twice in one object", fix: "keep one of them")
        }
        guard let object = value as? [String: Any] else {
            throw GNNError("is not a JSON object", fix: "write the description as {\"family\": ..., ...} (formats/arch.md)")
        }
        return object
    }

    /// 1-based line and column (in characters of UTF-8 text) of byte `offset`.
    private static func position(of offset: Int, in bytes: [UInt8]) -> (Int, Int) {
        let before = bytes[..<min(offset, bytes.count)]
        let line = before.filter { $0 == UInt8(ascii: "\n") }.count + 1
        let lineStart = before.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0
        let column = String(decoding: bytes[lineStart..<min(offset, bytes.count)], as: UTF8.self).count + 1
        return (line, column)
    }

    /// A recursive-descent pass over RFC 8259 JSON that stops at the first byte that cannot continue it.
    private struct Scanner {
        let bytes: [UInt8]
        var index = 0
        var depth = 0

        /// The offset and a description of what should have been there, or nil when the text is valid.
        mutating func firstError() -> (Int, String)? {
            if let error = value() { return error }
            skipSpace()
            return index < bytes.count ? (index, "the end of the text after the top-level value") : nil
        }

        private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

        private mutating func skipSpace() {
            while let byte = current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { index += 1 }
        }

        private mutating func value() -> (Int, String)? {
            skipSpace()
            guard let byte = current else { return (index, "a value") }
            switch byte {
            case UInt8(ascii: "{"): return container(close: UInt8(ascii: "}"), member: true)
            case UInt8(ascii: "["): return container(close: UInt8(ascii: "]"), member: false)
            case UInt8(ascii: "\""): return string()
            case UInt8(ascii: "t"): return literal("true")
            case UInt8(ascii: "f"): return literal("false")
            case UInt8(ascii: "n"): return literal("null")
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return number()
            default: return (index, "a value (object, array, string, number, true, false or null)")
            }
        }

        private mutating func container(close: UInt8, member: Bool) -> (Int, String)? {
            depth += 1
            guard depth < 512 else { return (index, "less nesting") }
            index += 1
            skipSpace()
            if current == close { index += 1; depth -= 1; return nil }
            while true {
                if member {
                    skipSpace()
                    guard current == UInt8(ascii: "\"") else { return (index, "a key in double quotes") }
                    if let error = string() { return error }
                    skipSpace()
                    guard current == UInt8(ascii: ":") else { return (index, "':' after the key") }
                    index += 1
                }
                if let error = value() { return error }
                skipSpace()
                if current == close { index += 1; depth -= 1; return nil }
                guard current == UInt8(ascii: ",") else {
                    return (index, "',' or '\(Character(Unicode.Scalar(close)))'")
                }
                index += 1
                skipSpace()
                // Foundation's reader accepts a trailing comma, so it is not where its error is.
                if current == close { index += 1; depth -= 1; return nil }
            }
        }

        private mutating func string() -> (Int, String)? {
            index += 1
            while let byte = current {
                index += 1
                if byte == UInt8(ascii: "\"") { return nil }
                if byte == UInt8(ascii: "\\") { index += 1 }
                if byte < 0x20 { return (index - 1, "no control character inside a string") }
            }
            return (index, "the closing '\"' of the string")
        }

        private mutating func literal(_ word: String) -> (Int, String)? {
            let expected = Array(word.utf8)
            guard bytes.count - index >= expected.count, Array(bytes[index..<index + expected.count]) == expected else {
                return (index, "a value (object, array, string, number, true, false or null)")
            }
            index += expected.count
            return nil
        }

        private mutating func number() -> (Int, String)? {
            let start = index
            let numeric = Set("+-0123456789.eE".utf8)
            while let byte = current, numeric.contains(byte) { index += 1 }
            let text = String(decoding: bytes[start..<index], as: UTF8.self)
            return Double(text) == nil ? (start, "a number") : nil
        }
    }
}
