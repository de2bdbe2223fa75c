import Foundation
import GNNFormats

/// The JSON header of a safetensors file, parsed and checked against the data area it describes.
///
/// Checks what the format requires: an object of entries `{"dtype", "shape", "data_offsets"}` plus an
/// optional `"__metadata__"` string map; no duplicate keys; each entry's byte count equal to its shape's
/// element count times its dtype's size; and entries that, sorted by offset, tile the data area exactly.
struct SafetensorsHeader {
    /// The entries, sorted by data offset.
    var tensors: [SafetensorsTensor]
    var metadata: [String: String]

    /// Parses `json`, the header bytes that start at file byte 8; the data area is `dataLength` bytes
    /// starting at file byte `dataStart`.
    init(parsing json: UnsafeRawBufferPointer, dataStart: Int, dataLength: Int) throws {
        let headerEnd = dataStart
        guard json.first == UInt8(ascii: "{") else {
            throw GNNError("header (bytes 8..<\(headerEnd)) does not start with '{', so it is not a JSON object",
                           fix: "this is not a safetensors file")
        }
        guard String(validating: json, as: UTF8.self) != nil else {
            throw GNNError("header (bytes 8..<\(headerEnd)) is not valid UTF-8", fix: "this is not a safetensors file or it is damaged")
        }
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: Data(json))
        } catch {
            throw GNNError("header (bytes 8..<\(headerEnd)) is not valid JSON", fix: "the file is damaged; save it again")
        }
        guard let object = parsed as? [String: Any] else {
            throw GNNError("header (bytes 8..<\(headerEnd)) is not a JSON object", fix: "this is not a safetensors file")
        }
        if let key = JSONDuplicateKeys.first(in: json) {
            throw GNNError("header has the key \"\(key)\" twice in one object", fix: "the file is damaged; save it again")
        }

        metadata = [:]
        var tensors: [SafetensorsTensor] = []
        for (name, value) in object {
            if name == "__metadata__" {
                metadata = try Self.metadata(value)
            } else {
                tensors.append(try Self.entry(name, value, dataLength: dataLength))
            }
        }
        tensors.sort { ($0.dataOffsets.lowerBound, $0.dataOffsets.upperBound, $0.name) < ($1.dataOffsets.lowerBound, $1.dataOffsets.upperBound, $1.name) }
        try Self.checkTiling(tensors, dataStart: dataStart, dataLength: dataLength)
        self.tensors = tensors
    }

    private static func metadata(_ value: Any) throws -> [String: String] {
        guard let map = value as? [String: Any] else {
            throw GNNError("header field \"__metadata__\" is not an object of strings")
        }
        var result: [String: String] = [:]
        for (key, item) in map {
            guard let string = item as? String else {
                throw GNNError("header field \"__metadata__\" has a non-string value for \"\(key)\"")
            }
            result[key] = string
        }
        return result
    }

    private static func entry(_ name: String, _ value: Any, dataLength: Int) throws -> SafetensorsTensor {
        guard let fields = value as? [String: Any] else {
            throw GNNError("header entry for tensor \"\(name)\" is not an object")
        }
        let expected: Set = ["dtype", "shape", "data_offsets"]
        guard Set(fields.keys) == expected else {
            throw GNNError("header entry for tensor \"\(name)\" has fields \(fields.keys.sorted()); expected exactly dtype, shape, data_offsets")
        }
        guard let dtypeName = fields["dtype"] as? String, let dtype = SafetensorsDType(rawValue: dtypeName) else {
            let known = SafetensorsDType.allCases.map(\.rawValue).joined(separator: " ")
            throw GNNError("tensor \"\(name)\" has unknown dtype \(fields["dtype"].map { "\($0)" } ?? "?") (this reader knows \(known))",
                           fix: "convert the tensor to F32 before saving")
        }
        let dims = fields["shape"] as? [Any] ?? []
        let shape = dims.compactMap(nonNegativeInteger)
        guard fields["shape"] is [Any], shape.count == dims.count else {
            throw GNNError("tensor \"\(name)\" has a shape that is not a list of non-negative integers")
        }
        guard let pair = fields["data_offsets"] as? [Any], pair.count == 2,
              let begin = nonNegativeInteger(pair[0]), let end = nonNegativeInteger(pair[1]) else {
            throw GNNError("tensor \"\(name)\" has data_offsets that are not two non-negative integers")
        }
        guard begin <= end, end <= UInt64(dataLength) else {
            throw GNNError("tensor \"\(name)\" has data_offsets [\(begin), \(end)] outside the data area of \(dataLength) bytes",
                           fix: "the file is truncated or damaged; copy or save it again")
        }
        // Every dimension and every partial product must fit in Int, so that code multiplying the shape
        // out (e.g. `shape.reduce(1, *)`) cannot trap.
        var elements: UInt64 = 1
        for dim in shape {
            _ = try Checked.int(dim, "tensor \"\(name)\" dimension")
            elements = try Checked.multiply(elements, dim, "tensor \"\(name)\" element count of shape \(shape)")
            _ = try Checked.int(elements, "tensor \"\(name)\" element count of shape \(shape)")
        }
        let byteCount = try Checked.multiply(elements, UInt64(dtype.size), "tensor \"\(name)\" byte count")
        guard end - begin == byteCount else {
            throw GNNError("tensor \"\(name)\" has data_offsets [\(begin), \(end)] (\(end - begin) bytes) but shape \(shape) of \(dtype) needs \(byteCount) bytes",
                           fix: "the file is damaged; save it again")
        }
        return SafetensorsTensor(name: name, dtype: dtype, shape: shape.map { Int($0) }, dataOffsets: Int(begin)..<Int(end))
    }

    /// Safetensors stores tensors back to back: sorted by offset, each starts where the previous ends
    /// and the last ends where the file ends.
    private static func checkTiling(_ tensors: [SafetensorsTensor], dataStart: Int, dataLength: Int) throws {
        var expected = 0
        var previous: String?
        for tensor in tensors {
            let begin = tensor.dataOffsets.lowerBound
            if begin < expected {
                throw GNNError("tensor \"\(tensor.name)\" (data bytes \(tensor.dataOffsets), file byte \(dataStart + begin)) overlaps tensor \"\(previous ?? "")\", which ends at data byte \(expected)",
                               fix: "the file is damaged; save it again")
            }
            if begin > expected {
                throw GNNError("gap of \(begin - expected) bytes before tensor \"\(tensor.name)\" (data bytes \(expected)..<\(begin), file byte \(dataStart + expected)); safetensors data must be contiguous",
                               fix: "the file is damaged; save it again")
            }
            expected = tensor.dataOffsets.upperBound
            previous = tensor.name
        }
        guard expected == dataLength else {
            throw GNNError("\(dataLength - expected) bytes after the last tensor (file bytes \(dataStart + expected)..<\(dataStart + dataLength)) belong to no tensor",
                           fix: "the file is damaged or has trailing data; save it again")
        }
    }

    /// A JSON integer ≥ 0 as `UInt64`, or nil for anything else (booleans, fractions, negatives, strings).
    private static func nonNegativeInteger(_ value: Any) -> UInt64? {
        guard let number = value as? NSNumber else { return nil }
        switch UInt8(bitPattern: number.objCType.pointee) {
        case UInt8(ascii: "Q"), UInt8(ascii: "L"), UInt8(ascii: "I"), UInt8(ascii: "S"):
            return number.uint64Value
        case UInt8(ascii: "q"), UInt8(ascii: "l"), UInt8(ascii: "i"), UInt8(ascii: "s"):
            let signed = number.int64Value
            return signed >= 0 ? UInt64(signed) : nil
        default:
            return nil  // "c" is a boolean, "d" and "f" are fractions
        }
    }
}
