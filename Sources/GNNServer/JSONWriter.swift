import Hummingbird
import NIOCore

/// Builds a JSON body straight into the `ByteBuffer` the response sends. The responses are small fixed
/// shapes around long number arrays, which this writes without the intermediate objects and number
/// formatting of an encoder, and without copying the body once it is written.
struct JSONWriter {
    /// The body so far; binary tensor data is appended to it after the JSON.
    var buffer: ByteBuffer

    init(capacity: Int = 256) {
        buffer = ByteBufferAllocator().buffer(capacity: capacity)
    }

    mutating func raw(_ text: StaticString) {
        buffer.writeStaticString(text)
    }

    /// A JSON string literal, escaping quotes, backslashes and control characters.
    mutating func string(_ text: String) {
        buffer.writeInteger(UInt8(ascii: "\""))
        if !text.utf8.contains(where: { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") || $0 < 0x20 }) {
            buffer.writeString(text)
        } else {
            for byte in text.utf8 {
                switch byte {
                case UInt8(ascii: "\""): raw("\\\"")
                case UInt8(ascii: "\\"): raw("\\\\")
                case 0..<0x20:
                    let hex = Array("0123456789abcdef".utf8)
                    buffer.writeBytes([UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                       hex[Int(byte >> 4)], hex[Int(byte & 15)]])
                default: buffer.writeInteger(byte)
                }
            }
        }
        buffer.writeInteger(UInt8(ascii: "\""))
    }

    /// Decimal digits, written in place (no intermediate String).
    mutating func int(_ value: Int) {
        var magnitude = value.magnitude
        var space: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: the 19 digits of Int.min and a sign
        withUnsafeMutableBytes(of: &space) { space in
            var start = space.count
            repeat {
                start -= 1
                space[start] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            if value < 0 {
                start -= 1
                space[start] = UInt8(ascii: "-")
            }
            buffer.writeBytes(UnsafeRawBufferPointer(rebasing: space[start...]))
        }
    }

    /// `a,b,c` of `values` (after a comma if `leadingComma`): each Swift's shortest representation that
    /// reads back as the same Float (JSON readers parsing it as a double and rounding to float32 get the
    /// bits back), non-finite values, which JSON cannot write, as null. The bulk of a JSON batch: the text
    /// goes into one reservation of the buffer per row, not a buffer write per number and per comma, which
    /// cost as much as formatting the numbers.
    mutating func floats(_ values: ArraySlice<Float>, leadingComma: Bool) {
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: values.count * Self.floatSpace) { out in
            var end = 0
            func put(_ bytes: UnsafeBufferPointer<UInt8>) {
                precondition(end + bytes.count <= out.count, "a float's text is longer than JSONWriter.floatSpace")
                UnsafeMutableRawBufferPointer(rebasing: out[end..<end + bytes.count]).copyMemory(from: UnsafeRawBufferPointer(bytes))
                end += bytes.count
            }
            for (index, value) in values.enumerated() {
                if index > 0 || leadingComma {
                    out[end] = UInt8(ascii: ",")
                    end += 1
                }
                var text = value.isFinite ? value.description : "null"
                text.withUTF8(put)
            }
            return end
        }
    }

    /// Bytes reserved per float: the longest text of a Float (`-1.17549435e-38`, 15 characters) and its comma,
    /// with room to spare.
    private static let floatSpace = 24

    mutating func bool(_ value: Bool) {
        if value { raw("true") } else { raw("false") }
    }

    /// `[a,b,...]` of `items`, each written by `element`.
    mutating func array<S: Sequence>(_ items: S, _ element: (inout JSONWriter, S.Element) -> Void) {
        buffer.writeInteger(UInt8(ascii: "["))
        var first = true
        for item in items {
            if !first { buffer.writeInteger(UInt8(ascii: ",")) }
            first = false
            element(&self, item)
        }
        buffer.writeInteger(UInt8(ascii: "]"))
    }

    /// The body as a JSON response.
    func response(status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: buffer))
    }
}
