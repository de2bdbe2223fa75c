import NIOCore

extension InferenceRequest {
    /// Reads an `$inference_request` JSON body (`InferenceRequestParser`); a malformed one is a 400 saying
    /// what is wrong and where.
    init(parsing body: ByteBuffer) throws {
        self = try body.withUnsafeReadableBytes { bytes in
            var parser = InferenceRequestParser(bytes)
            return try parser.request()
        }
    }
}

/// A strict JSON reader for the one body on the server's hot path, the inference request.
///
/// It reads the bytes once, straight into `InferenceRequest`: no intermediate objects and no attempt to
/// decode each element as one type and then another, which made Foundation's `JSONDecoder` the largest
/// per-request cost. It accepts exactly RFC 8259 JSON (UTF-8, no trailing commas, no comments, no leading
/// zeros, nothing after the top-level object) and the protocol's shapes, as the decoder did: members it
/// does not know are checked and skipped, optional members may be `null`, integers may be written as
/// `1.0` or `1e2` when they are exact. It refuses a member given twice, which the decoder resolved
/// silently. Nesting is bounded (`maxDepth`, and `InferenceRequest.maxDataDepth` inside `data`), so no body
/// can exhaust the stack.
struct InferenceRequestParser {
    private let bytes: UnsafeRawBufferPointer
    private var position = 0

    /// Deepest nesting of arrays and objects anywhere in the body.
    static let maxDepth = 64

    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    /// The whole body: one object, then only whitespace.
    mutating func request() throws -> InferenceRequest {
        skipWhitespace()
        guard peek() == UInt8(ascii: "{") else { throw failure("the body is not a JSON object") }
        var id: String?, parameters: [String: InferenceRequest.ParameterValue]?
        var inputs: [InferenceRequest.Input]?, outputs: [InferenceRequest.RequestedOutput]?
        var seen = Seen()
        try object(depth: 1, "") { parser, key in
            switch key {
            case "id":
                try seen.first(0, key, in: parser, "")
                id = try parser.optional(".id") { try $0.string(".id") }
            case "parameters":
                try seen.first(1, key, in: parser, "")
                parameters = try parser.optional(".parameters") { try $0.parameters(depth: 2, ".parameters") }
            case "inputs":
                try seen.first(2, key, in: parser, "")
                var list: [InferenceRequest.Input] = []
                try parser.array(depth: 2, ".inputs") { parser, index in
                    list.append(try parser.input(depth: 3, ".inputs[\(index)]"))
                }
                inputs = list
            case "outputs":
                try seen.first(3, key, in: parser, "")
                outputs = try parser.optional(".outputs") { parser in
                    var list: [InferenceRequest.RequestedOutput] = []
                    try parser.array(depth: 2, ".outputs") { parser, index in
                        list.append(try parser.output(depth: 3, ".outputs[\(index)]"))
                    }
                    return list
                }
            default:
                try parser.skipValue(depth: 2, "." + key)
            }
        }
        skipWhitespace()
        guard position == bytes.count else { throw failure("unexpected bytes after the JSON object") }
        guard let inputs else { throw failure(".inputs is missing") }
        return InferenceRequest(id: id, parameters: parameters, inputs: inputs, outputs: outputs)
    }

    private mutating func input(depth: Int, _ path: @autoclosure () -> String) throws -> InferenceRequest.Input {
        var name: String?, shape: [Int]?, datatype: String?
        var parameters: [String: InferenceRequest.ParameterValue]?, data: [Int64]?
        var seen = Seen()
        try object(depth: depth, path()) { parser, key in
            switch key {
            case "name":
                try seen.first(0, key, in: parser, path())
                name = try parser.string(path() + ".name")
            case "shape":
                try seen.first(1, key, in: parser, path())
                var dimensions: [Int] = []
                try parser.array(depth: depth + 1, path() + ".shape") { parser, index in
                    dimensions.append(Int(try parser.integer(path() + ".shape[\(index)]")))
                }
                shape = dimensions
            case "datatype":
                try seen.first(2, key, in: parser, path())
                datatype = try parser.string(path() + ".datatype")
            case "parameters":
                try seen.first(3, key, in: parser, path())
                parameters = try parser.optional(path() + ".parameters") { try $0.parameters(depth: depth + 1, path() + ".parameters") }
            case "data":
                try seen.first(4, key, in: parser, path())
                data = try parser.optional(path() + ".data") { parser in
                    var values: [Int64] = []
                    try parser.tensorData(into: &values, level: 1, path() + ".data")
                    return values
                }
            default:
                try parser.skipValue(depth: depth + 1, path() + "." + key)
            }
        }
        guard let name else { throw failure(path() + ".name is missing") }
        guard let shape else { throw failure(path() + ".shape is missing") }
        guard let datatype else { throw failure(path() + ".datatype is missing") }
        return InferenceRequest.Input(name: name, shape: shape, datatype: datatype, parameters: parameters, data: data)
    }

    private mutating func output(depth: Int, _ path: @autoclosure () -> String) throws -> InferenceRequest.RequestedOutput {
        var name: String?, parameters: [String: InferenceRequest.ParameterValue]?
        var seen = Seen()
        try object(depth: depth, path()) { parser, key in
            switch key {
            case "name":
                try seen.first(0, key, in: parser, path())
                name = try parser.string(path() + ".name")
            case "parameters":
                try seen.first(1, key, in: parser, path())
                parameters = try parser.optional(path() + ".parameters") { try $0.parameters(depth: depth + 1, path() + ".parameters") }
            default:
                try parser.skipValue(depth: depth + 1, path() + "." + key)
            }
        }
        guard let name else { throw failure(path() + ".name is missing") }
        return InferenceRequest.RequestedOutput(name: name, parameters: parameters)
    }

    /// A `$parameters` object: each value a string, a number or a boolean.
    private mutating func parameters(depth: Int, _ path: @autoclosure () -> String) throws -> [String: InferenceRequest.ParameterValue] {
        var values: [String: InferenceRequest.ParameterValue] = [:]
        try object(depth: depth, path()) { parser, key in
            guard values[key] == nil else { throw parser.failure(path() + "." + key + " is given twice") }
            switch parser.peek() {
            case UInt8(ascii: "\""): values[key] = .string(try parser.string(path() + "." + key))
            case UInt8(ascii: "t"), UInt8(ascii: "f"): values[key] = .bool(try parser.bool(path() + "." + key))
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): values[key] = .number(try parser.number(path() + "." + key))
            default: throw parser.failure(path() + "." + key + " is not a string, a number or a boolean")
            }
        }
        return values
    }

    /// Tensor elements as integers, flat or nested (the protocol allows both, and a lone number), appended
    /// in row-major order. Nesting deeper than `InferenceRequest.maxDataDepth` is refused.
    private mutating func tensorData(into values: inout [Int64], level: Int, _ path: @autoclosure () -> String) throws {
        guard peek() == UInt8(ascii: "[") else {
            values.append(try integer(path()))
            return
        }
        guard level <= InferenceRequest.maxDataDepth else {
            throw ServeError(.badRequest, "data is nested deeper than \(InferenceRequest.maxDataDepth) levels")
        }
        try array(depth: level, path()) { parser, index in
            if parser.peek() == UInt8(ascii: "[") {
                try parser.tensorData(into: &values, level: level + 1, path() + "[\(index)]")
            } else {
                values.append(try parser.integer(path() + "[\(index)]"))
            }
        }
    }

    // MARK: Structure

    /// `{ "key": value, ... }`; `member` reads each value (the reader is at its first byte).
    private mutating func object(depth: Int, _ path: @autoclosure () -> String,
                                 _ member: (inout Self, String) throws -> Void) throws {
        guard depth <= Self.maxDepth else { throw failure("the body nests deeper than \(Self.maxDepth) levels") }
        guard take(UInt8(ascii: "{")) else { throw failure(Self.describe(path()) + " is not an object") }
        skipWhitespace()
        if take(UInt8(ascii: "}")) { return }
        while true {
            skipWhitespace()
            guard peek() == UInt8(ascii: "\"") else { throw failure("expected a member name in \(Self.describe(path()))") }
            let key = try string("a member name in " + Self.describe(path()))
            skipWhitespace()
            guard take(UInt8(ascii: ":")) else { throw failure("expected : after \(path()).\(key)") }
            skipWhitespace()
            try member(&self, key)
            skipWhitespace()
            if take(UInt8(ascii: ",")) { continue }
            if take(UInt8(ascii: "}")) { return }
            throw failure("expected , or } in \(Self.describe(path()))")
        }
    }

    /// `[ value, ... ]`; `element` reads each value with its index.
    private mutating func array(depth: Int, _ path: @autoclosure () -> String, _ element: (inout Self, Int) throws -> Void) throws {
        guard depth <= Self.maxDepth else { throw failure("the body nests deeper than \(Self.maxDepth) levels") }
        guard take(UInt8(ascii: "[")) else { throw failure(Self.describe(path()) + " is not an array") }
        skipWhitespace()
        if take(UInt8(ascii: "]")) { return }
        var index = 0
        while true {
            skipWhitespace()
            try element(&self, index)
            index += 1
            skipWhitespace()
            if take(UInt8(ascii: ",")) { continue }
            if take(UInt8(ascii: "]")) { return }
            throw failure("expected , or ] in \(Self.describe(path()))")
        }
    }

    /// `null` as nil, else the value `read` reads.
    private mutating func optional<T>(_ path: @autoclosure () -> String, _ read: (inout Self) throws -> T) throws -> T? {
        if peek() == UInt8(ascii: "n") {
            try literal("null", path())
            return nil
        }
        return try read(&self)
    }

    /// Checks a value the request does not use and moves past it.
    private mutating func skipValue(depth: Int, _ path: @autoclosure () -> String) throws {
        switch peek() {
        case UInt8(ascii: "{"): try object(depth: depth, path()) { parser, key in try parser.skipValue(depth: depth + 1, path() + "." + key) }
        case UInt8(ascii: "["): try array(depth: depth, path()) { parser, index in try parser.skipValue(depth: depth + 1, path() + "[\(index)]") }
        case UInt8(ascii: "\""): _ = try string(path())
        case UInt8(ascii: "t"), UInt8(ascii: "f"): _ = try bool(path())
        case UInt8(ascii: "n"): try literal("null", path())
        default: _ = try number(path())
        }
    }

    // MARK: Scalars

    private mutating func bool(_ path: @autoclosure () -> String) throws -> Bool {
        if peek() == UInt8(ascii: "t") {
            try literal("true", path())
            return true
        }
        try literal("false", path())
        return false
    }

    private mutating func literal(_ word: StaticString, _ path: @autoclosure () -> String) throws {
        let expected = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        guard position + expected.count <= bytes.count, bytes[position..<position + expected.count].elementsEqual(expected) else {
            throw failure("\(Self.describe(path())) is not a valid JSON value")
        }
        position += expected.count
    }

    /// A JSON string, unescaped; refuses control characters, bad escapes, lone surrogates and invalid UTF-8.
    private mutating func string(_ path: @autoclosure () -> String) throws -> String {
        guard take(UInt8(ascii: "\"")) else { throw failure(path() + " is not a string") }
        let start = position
        // Most strings have no escapes: read them in place.
        while position < bytes.count, bytes[position] != UInt8(ascii: "\""), bytes[position] != UInt8(ascii: "\\"),
              bytes[position] >= 0x20 {
            position += 1
        }
        if take(UInt8(ascii: "\"")) { return try text(start..<position - 1, path()) }
        var text = Array(UnsafeRawBufferPointer(rebasing: bytes[start..<position]))
        while true {
            guard position < bytes.count else { throw failure("\(path()): the string does not end") }
            let byte = bytes[position]
            position += 1
            switch byte {
            case UInt8(ascii: "\""):
                return try text.withUnsafeBytes { try Self.validUTF8($0, self, path()) }
            case UInt8(ascii: "\\"):
                try escape(into: &text, path())
            case 0..<0x20:
                throw failure("\(path()) has an unescaped control character")
            default:
                text.append(byte)
            }
        }
    }

    /// The string in `range` of the body, which has no escapes.
    private func text(_ range: Range<Int>, _ path: @autoclosure () -> String) throws -> String {
        try Self.validUTF8(UnsafeRawBufferPointer(rebasing: bytes[range]), self, path())
    }

    private static func validUTF8(_ raw: UnsafeRawBufferPointer, _ parser: Self, _ path: @autoclosure () -> String) throws -> String {
        guard let string = String(validating: raw.assumingMemoryBound(to: UInt8.self), as: UTF8.self) else {
            throw parser.failure("\(path()) is not valid UTF-8")
        }
        return string
    }

    /// The escape after a backslash, appended as UTF-8.
    private mutating func escape(into text: inout [UInt8], _ path: @autoclosure () -> String) throws {
        guard position < bytes.count else { throw failure("\(path()): the string does not end") }
        let byte = bytes[position]
        position += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): text.append(byte)
        case UInt8(ascii: "b"): text.append(0x08)
        case UInt8(ascii: "f"): text.append(0x0C)
        case UInt8(ascii: "n"): text.append(0x0A)
        case UInt8(ascii: "r"): text.append(0x0D)
        case UInt8(ascii: "t"): text.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = UInt32(try hex4(path()))
            if (0xD800..<0xDC00).contains(scalar) {
                guard take(UInt8(ascii: "\\")), take(UInt8(ascii: "u")) else { throw failure("\(path()) has a lone surrogate escape") }
                let low = UInt32(try hex4(path()))
                guard (0xDC00..<0xE000).contains(low) else { throw failure("\(path()) has a lone surrogate escape") }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            }
            guard let unicode = Unicode.Scalar(scalar) else { throw failure("\(path()) has a lone surrogate escape") }
            text.append(contentsOf: UTF8.encode(unicode)!)
        default:
            throw failure("\(path()) has an invalid escape \\\(Unicode.Scalar(byte))")
        }
    }

    private mutating func hex4(_ path: @autoclosure () -> String) throws -> UInt16 {
        var value: UInt16 = 0
        for _ in 0..<4 {
            guard position < bytes.count, let digit = Self.hexDigit(bytes[position]) else {
                throw failure("\(path()) has an invalid \\u escape")
            }
            value = value << 4 | UInt16(digit)
            position += 1
        }
        return value
    }

    private static func hexDigit(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// An integer in the INT64 range. Written without fraction or exponent (every client does) it is read
    /// digit by digit; otherwise it must be exact (`2.0`, `1e3`) and within ±2^53, where a double is.
    private mutating func integer(_ path: @autoclosure () -> String) throws -> Int64 {
        let start = position
        let negative = take(UInt8(ascii: "-"))
        guard position < bytes.count, Self.isDigit(bytes[position]) else { throw failure(path() + " is not an integer") }
        var magnitude: UInt64 = 0
        if bytes[position] == UInt8(ascii: "0") {
            position += 1
        } else {
            while position < bytes.count, Self.isDigit(bytes[position]) {
                let (times10, overflow1) = magnitude.multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = times10.addingReportingOverflow(UInt64(bytes[position] - UInt8(ascii: "0")))
                guard !overflow1, !overflow2 else { throw failure(path() + " is outside the INT64 range") }
                magnitude = sum
                position += 1
            }
        }
        if peek() == UInt8(ascii: ".") || peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            position = start
            let value = try number(path())
            guard value == value.rounded(), abs(value) <= 0x1p53 else { throw failure(path() + " is not an integer") }
            return Int64(value)
        }
        if position < bytes.count, Self.isDigit(bytes[position]) { throw failure(path() + " has a leading zero") }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { throw failure(path() + " is outside the INT64 range") }
            return magnitude == UInt64(Int64.max) + 1 ? .min : -Int64(magnitude)
        }
        guard magnitude <= UInt64(Int64.max) else { throw failure(path() + " is outside the INT64 range") }
        return Int64(magnitude)
    }

    /// A JSON number (`-? int frac? exp?`) as a finite double.
    private mutating func number(_ path: @autoclosure () -> String) throws -> Double {
        let start = position
        _ = take(UInt8(ascii: "-"))
        guard position < bytes.count, Self.isDigit(bytes[position]) else { throw failure(path() + " is not a valid JSON value") }
        if !take(UInt8(ascii: "0")) { skipDigits() }
        if take(UInt8(ascii: ".")) {
            guard position < bytes.count, Self.isDigit(bytes[position]) else { throw failure(path() + " is not a valid number") }
            skipDigits()
        }
        if take(UInt8(ascii: "e")) || take(UInt8(ascii: "E")) {
            if !take(UInt8(ascii: "+")) { _ = take(UInt8(ascii: "-")) }
            guard position < bytes.count, Self.isDigit(bytes[position]) else { throw failure(path() + " is not a valid number") }
            skipDigits()
        }
        if position < bytes.count, Self.isDigit(bytes[position]) { throw failure(path() + " has a leading zero") }
        guard let value = Double(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)),
              value.isFinite else {
            throw failure(path() + " is outside the range of a double")
        }
        return value
    }

    // MARK: Bytes

    /// The byte at the reader, or 0 at the end (never valid where a value starts).
    private func peek() -> UInt8 {
        position < bytes.count ? bytes[position] : 0
    }

    /// Moves past `byte` if it is next.
    private mutating func take(_ byte: UInt8) -> Bool {
        guard position < bytes.count, bytes[position] == byte else { return false }
        position += 1
        return true
    }

    private mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"): position += 1
            default: return
            }
        }
    }

    private mutating func skipDigits() {
        while position < bytes.count, Self.isDigit(bytes[position]) { position += 1 }
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        byte &- UInt8(ascii: "0") < 10
    }

    /// A member path for a message: `.inputs[0].data`, or "the body" for the top level.
    private static func describe(_ path: String) -> String {
        path.isEmpty ? "the body" : path
    }

    /// A 400 naming the problem and the byte offset where it was found (or the end of the body).
    private func failure(_ problem: String) -> ServeError {
        let place = position < bytes.count ? "at byte \(position)" : "at the end of the body"
        return ServeError(.badRequest, "malformed request body: \(problem) (\(place))")
    }

    /// The members of one object already read, so that a member given twice is refused.
    private struct Seen {
        private var bits: UInt8 = 0

        mutating func first(_ member: Int, _ key: String, in parser: InferenceRequestParser, _ path: @autoclosure () -> String) throws {
            guard bits & 1 << member == 0 else { throw parser.failure("\(path()).\(key) is given twice") }
            bits |= 1 << member
        }
    }
}
