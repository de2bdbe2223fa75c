import GNNExport
import GNNFormats
import TestSupport
import XCTest

final class SafetensorsFileTests: XCTestCase {
    typealias F = SafetensorsFixture

    /// One tensor of each supported kind; values computed by hand.
    static let validHeader = "{" + [
        F.entry("a", "F32", [2], 0, 8),
        F.entry("b", "F16", [2], 8, 12),
        F.entry("c", "BF16", [2, 1], 12, 16),
        F.entry("d", "I64", [2], 16, 32),
        F.entry("e", "F64", [1], 32, 40),
        F.entry("f", "I32", [], 40, 44),
        "\"__metadata__\": {\"format\": \"pt\"}",
    ].joined(separator: ", ") + "}  "
    static let validData = F.f32([1.5, -0.25])
        + F.littleEndian([UInt16(0x3C00), 0xC100])   // f16 1.0, -2.5
        + F.littleEndian([UInt16(0x3F80), 0xC020])   // bf16 1.0, -2.5
        + F.littleEndian([Int64(-3), 1 << 40])
        + F.f64([0.1])
        + F.littleEndian([Int32(-7)])

    func testReadsEachDTypeAndTheMetadata() throws {
        let file = try SafetensorsFile(path: F.write(header: Self.validHeader, data: Self.validData))
        XCTAssertEqual(file.tensors.map(\.name), ["a", "b", "c", "d", "e", "f"])
        XCTAssertEqual(file.tensors.map(\.dtype), [.float32, .float16, .bfloat16, .int64, .float64, .int32])
        XCTAssertEqual(file.tensor(named: "c")?.shape, [2, 1])
        XCTAssertEqual(file.tensor(named: "f")?.shape, [])
        XCTAssertEqual(file.tensor(named: "d")?.dataOffsets, 16..<32)
        XCTAssertEqual(file.dataStart, 8 + Self.validHeader.utf8.count)
        XCTAssertEqual(file.metadata, ["format": "pt"])
        XCTAssertEqual(try file.floats("a"), [1.5, -0.25])
        XCTAssertEqual(try file.floats("b"), [1.0, -2.5])
        XCTAssertEqual(try file.floats("c"), [1.0, -2.5])
        XCTAssertEqual(try file.floats("e"), [Float(0.1)])
        XCTAssertEqual(try file.integers("d"), [-3, 1 << 40])
        XCTAssertEqual(try file.integers("f"), [-7])
        assertGNNError("dtype I64, which cannot be read as floats") { try file.floats("d") }
        assertGNNError("dtype F32, which cannot be read as integers") { try file.integers("a") }
        assertGNNError("no tensor named \"zz\"") { try file.floats("zz") }
    }

    func testEmptyTensorsAndAnEmptyHeaderAreValid() throws {
        let file = try SafetensorsFile(path: F.write(header: "{" + F.entry("z", "F32", [0, 3], 0, 0) + "}", data: []))
        XCTAssertEqual(try file.floats("z"), [])
        XCTAssertEqual(try SafetensorsFile(path: F.write(header: "{}", data: [])).tensors, [])
    }

    func testHeaderLengthBeyondTheFileOrTheLimitIsRefused() {
        let bytes = F.littleEndian([UInt64(1000)]) + Array("{}".utf8)
        assertGNNError("header length 1000 exceeds the 2 bytes") { try SafetensorsFile(path: F.write(bytes)) }
        let huge = F.littleEndian([UInt64(200_000_000)]) + Array("{}".utf8)
        assertGNNError("exceeds the limit of 100000000") { try SafetensorsFile(path: F.write(huge)) }
        assertGNNError("too few for a safetensors file") { try SafetensorsFile(path: F.write([1, 2, 3])) }
    }

    func testTruncatedDataIsRefused() {
        let path = F.write(header: "{" + F.entry("a", "F32", [2], 0, 8) + "}", data: F.f32([1]))
        assertGNNError("data_offsets [0, 8] outside the data area of 4 bytes") { try SafetensorsFile(path: path) }
    }

    func testOverlappingTensorsAreRefusedNamingBoth() {
        let header = "{" + F.entry("a", "F32", [2], 0, 8) + ", " + F.entry("b", "F32", [2], 4, 12) + "}"
        assertGNNError("tensor \"b\" (data bytes 4..<12") { try SafetensorsFile(path: F.write(header: header, data: F.f32([1, 2, 3]))) }
        assertGNNError("overlaps tensor \"a\"") { try SafetensorsFile(path: F.write(header: header, data: F.f32([1, 2, 3]))) }
    }

    func testGapBetweenTensorsAndTrailingBytesAreRefused() {
        let gap = "{" + F.entry("a", "F32", [1], 0, 4) + ", " + F.entry("b", "F32", [1], 8, 12) + "}"
        assertGNNError("gap of 4 bytes before tensor \"b\"") { try SafetensorsFile(path: F.write(header: gap, data: F.f32([1, 2, 3]))) }
        let trailing = "{" + F.entry("a", "F32", [1], 0, 4) + "}"
        assertGNNError("4 bytes after the last tensor") { try SafetensorsFile(path: F.write(header: trailing, data: F.f32([1, 2]))) }
    }

    func testOffsetsMustMatchShapeTimesDTypeSize() {
        let header = "{" + F.entry("a", "F32", [3], 0, 8) + "}"
        assertGNNError("(8 bytes) but shape [3] of F32 needs 12 bytes") { try SafetensorsFile(path: F.write(header: header, data: F.f32([1, 2]))) }
        let reversed = "{" + F.entry("a", "F32", [0], 4, 0) + "}"
        assertGNNError("data_offsets [4, 0] outside") { try SafetensorsFile(path: F.write(header: reversed, data: F.f32([1]))) }
    }

    func testUnknownDTypeIsRefusedByName() {
        let header = "{" + F.entry("a", "F4", [2], 0, 1) + "}"
        assertGNNError("tensor \"a\" has unknown dtype F4") { try SafetensorsFile(path: F.write(header: header, data: [0])) }
    }

    func testDuplicateKeysInOneObjectAreRefusedEvenWhenEscaped() {
        let tensor = "{" + F.entry("a", "F32", [1], 0, 4) + ", " + F.entry("a", "F32", [1], 0, 4) + "}"
        assertGNNError("key \"a\" twice") { try SafetensorsFile(path: F.write(header: tensor, data: F.f32([1]))) }
        let escaped = "{" + F.entry("a", "F32", [1], 0, 4) + ", " + F.entry("\\u0061", "F32", [1], 0, 4) + "}"
        assertGNNError("key \"a\" twice") { try SafetensorsFile(path: F.write(header: escaped, data: F.f32([1]))) }
        let field = "{\"a\": {\"dtype\": \"F32\", \"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}}"
        assertGNNError("key \"dtype\" twice") { try SafetensorsFile(path: F.write(header: field, data: F.f32([1]))) }
        // Equal strings in different objects, or as values, are not duplicates.
        let fine = "{\"__metadata__\": {\"a\": \"a\"}, " + F.entry("a", "F32", [1], 0, 4) + "}"
        XCTAssertNoThrow(try SafetensorsFile(path: F.write(header: fine, data: F.f32([1]))))
    }

    func testHeaderMustBeAJSONObjectOfWellTypedEntries() {
        let cases: [(String, String)] = [
            ("[1, 2]", "does not start with '{'"),
            ("{\"a\": ", "is not valid JSON"),
            ("{\"a\": 1}", "entry for tensor \"a\" is not an object"),
            ("{\"a\": {\"dtype\": \"F32\", \"shape\": [1]}}", "expected exactly dtype, shape, data_offsets"),
            ("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4], \"x\": 1}}", "expected exactly"),
            ("{\"a\": {\"dtype\": 6, \"shape\": [1], \"data_offsets\": [0, 4]}}", "unknown dtype 6"),
            ("{\"a\": {\"dtype\": \"F32\", \"shape\": [-1], \"data_offsets\": [0, 4]}}", "not a list of non-negative integers"),
            ("{\"a\": {\"dtype\": \"F32\", \"shape\": [1.5], \"data_offsets\": [0, 4]}}", "not a list of non-negative integers"),
            ("{\"a\": {\"dtype\": \"F32\", \"shape\": [true], \"data_offsets\": [0, 4]}}", "not a list of non-negative integers"),
            ("{\"a\": {\"dtype\": \"F32\", \"shape\": 1, \"data_offsets\": [0, 4]}}", "not a list of non-negative integers"),
            ("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4, 8]}}", "not two non-negative integers"),
            ("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, \"4\"]}}", "not two non-negative integers"),
            ("{\"__metadata__\": {\"k\": 1}}", "non-string value for \"k\""),
            ("{\"__metadata__\": [\"k\"]}", "\"__metadata__\" is not an object"),
        ]
        for (header, fragment) in cases {
            assertGNNError(fragment) { try SafetensorsFile(path: F.write(header: header, data: F.f32([1]))) }
        }
        assertGNNError("not valid UTF-8") { try SafetensorsFile(path: F.write(F.littleEndian([UInt64(3)]) + [0x7B, 0xFF, 0x7D])) }
    }

    func testShapeWhoseProductOverflowsIsRefused() {
        let huge = "{" + F.entry("a", "F32", [1 << 32, 1 << 32, 16], 0, 4) + "}"
        assertGNNError("overflows 64 bits") { try SafetensorsFile(path: F.write(header: huge, data: F.f32([1]))) }
        // Products that fit 64 bits but not Int, even when a later zero makes the total 0.
        let beyondInt = "{" + F.entry("a", "F32", [1 << 62, 2, 0], 0, 0) + "}"
        assertGNNError("too large for this machine") { try SafetensorsFile(path: F.write(header: beyondInt, data: [])) }
        let hugeDim = "{" + F.entry("a", "F32", [0], 0, 0).replacingOccurrences(of: "[0]", with: "[0, 18446744073709551615]") + "}"
        assertGNNError("too large for this machine") { try SafetensorsFile(path: F.write(header: hugeDim, data: [])) }
        let hugeByteCount = "{" + F.entry("a", "F64", [1 << 61], 0, 4) + "}"
        assertGNNError("overflows 64 bits") { try SafetensorsFile(path: F.write(header: hugeByteCount, data: F.f32([1]))) }
    }

    /// Every proper prefix of a valid file is refused with a GNNError.
    func testTruncationAtEveryLengthThrows() throws {
        let bytes = F.bytes(header: Self.validHeader, data: Self.validData)
        XCTAssertNoThrow(try SafetensorsFile(path: F.write(bytes)))
        assertEveryTruncationIsRejected(bytes, at: F.write([])) { try SafetensorsFile(path: $0) }
    }
}
