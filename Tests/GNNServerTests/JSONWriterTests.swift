import NIOCore
import XCTest
@testable import GNNServer

/// `JSONWriter` writes what a JSON reader reads back exactly: integers digit for digit, floats as the
/// same float32, strings escaped.
final class JSONWriterTests: XCTestCase {
    private func text(_ write: (inout JSONWriter) -> Void) -> String {
        var json = JSONWriter()
        write(&json)
        return String(buffer: json.buffer)
    }

    func testIntegersAsSwiftWritesThem() {
        var generator = SystemRandomNumberGenerator()
        let values = [0, 1, -1, 9, 10, -10, 99, 100, Int.max, Int.min, Int.max - 1, Int.min + 1]
            + (0..<1000).map { _ in Int.random(in: .min ... .max, using: &generator) >> Int.random(in: 0..<63, using: &generator) }
        for value in values {
            XCTAssertEqual(text { $0.int(value) }, String(value))
        }
    }

    /// Every float written reads back, through a double as JSON readers parse it, as the same float32 bits;
    /// a row is the numbers comma-separated, non-finite ones as null.
    func testFloatsReadBackAsTheSameFloat32() {
        var generator = SystemRandomNumberGenerator()
        let special: [Float] = [0, -0.0, 1, -1, .leastNonzeroMagnitude, .leastNormalMagnitude, .greatestFiniteMagnitude,
                                -.greatestFiniteMagnitude, .ulpOfOne, 0.1, 1e-45, 3.4028235e38, 16_777_217]
        let random = (0..<100_000).map { _ in Float(bitPattern: UInt32.random(in: 0 ... .max, using: &generator)) }
        for value in special + random where value.isFinite {
            let written = text { $0.floats([value], leadingComma: false) }
            guard let double = Double(written) else { return XCTFail("\(written) is not a number") }
            XCTAssertEqual(Float(double).bitPattern, value.bitPattern, written)
        }
        let row = special + random.prefix(1000) + [.nan, -.infinity]
        XCTAssertEqual(text { $0.floats(row[...], leadingComma: true) },
                       "," + row.map { $0.isFinite ? $0.description : "null" }.joined(separator: ","))
        XCTAssertEqual(text { $0.floats([], leadingComma: false) }, "")
    }

    func testStringsAreEscaped() {
        XCTAssertEqual(text { $0.string("plain") }, "\"plain\"")
        XCTAssertEqual(text { $0.string("a\"b\\c\n\u{1}é") }, #""a\"b\\c\u000a\u0001é""#)
    }
}
