import Foundation

/// Finds keys that appear twice in one JSON object, which `JSONSerialization` silently merges.
enum JSONDuplicateKeys {
    /// The first key repeated within one object of `json`, which must already be known to be valid JSON.
    static func first(in json: UnsafeRawBufferPointer) -> String? {
        // One entry per open container: the keys seen so far for an object, nil for an array.
        var containers: [Set<String>?] = []
        var expectingKey = false
        var index = 0
        while index < json.count {
            switch json[index] {
            case UInt8(ascii: "{"):
                containers.append([])
                expectingKey = true
            case UInt8(ascii: "["):
                containers.append(nil)
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                _ = containers.popLast()
            case UInt8(ascii: ","):
                expectingKey = containers.last.map { $0 != nil } ?? false
            case UInt8(ascii: ":"):
                expectingKey = false
            case UInt8(ascii: "\""):
                let start = index
                var escaped = false
                index += 1
                while index < json.count, escaped || json[index] != UInt8(ascii: "\"") {
                    escaped = !escaped && json[index] == UInt8(ascii: "\\")
                    index += 1
                }
                if expectingKey, (containers.last ?? nil) != nil {
                    let key = decodeString(UnsafeRawBufferPointer(rebasing: json[start..<min(index + 1, json.count)]))
                    if containers[containers.count - 1]?.insert(key).inserted == false { return key }
                }
            default:
                break
            }
            index += 1
        }
        return nil
    }

    /// The string a quoted JSON string literal stands for.
    private static func decodeString(_ literal: UnsafeRawBufferPointer) -> String {
        let inner = UnsafeRawBufferPointer(rebasing: literal.dropFirst().dropLast())
        guard inner.contains(UInt8(ascii: "\\")) else { return String(decoding: inner, as: UTF8.self) }
        let decoded = try? JSONSerialization.jsonObject(with: Data(literal), options: .fragmentsAllowed) as? String
        return decoded ?? String(decoding: inner, as: UTF8.self)
    }
}
