import GNNFormats
import XCTest

final class ByteShuffleTests: XCTestCase {
    /// Two 4-byte elements AABBCCDD, EEFFGGHH shuffle to AA EE BB FF CC GG DD HH.
    func testShuffleGroupsBytesByPosition() {
        let raw: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8]
        let shuffled = raw.withUnsafeBytes { TensorCodec.shuffle($0, elementSize: 4) }
        XCTAssertEqual(shuffled, [1, 5, 2, 6, 3, 7, 4, 8])
        var back = [UInt8](repeating: 0, count: 8)
        shuffled.withUnsafeBytes { s in back.withUnsafeMutableBytes { TensorCodec.unshuffle(s, elementSize: 4, into: $0) } }
        XCTAssertEqual(back, raw)
    }

    /// 8192 two-byte elements: the high bytes take 16 values (4 bits of entropy), the low bytes are random
    /// (8 bits). Coded with its own tables per plane the frame needs about (4 + 8) / 16 = 0.75 of the raw
    /// bytes; one table for both planes would need about 7 / 8 (the mixture's entropy). The frame decodes back.
    func testEachBytePlaneIsCodedOnItsOwn() throws {
        var generator = SystemRandomNumberGenerator()
        let raw = (0..<8192).flatMap { _ in [UInt8.random(in: 0...255, using: &generator), UInt8.random(in: 0..<16, using: &generator)] }
        let stored = try XCTUnwrap(try raw.withUnsafeBytes { try TensorCodec.compress($0, elementSize: 2, level: 19) })
        XCTAssertLessThan(Double(stored.count), 0.78 * Double(raw.count))
        XCTAssertEqual(Array(stored.prefix(4)), [0x28, 0xB5, 0x2F, 0xFD])
        XCTAssertEqual(try stored.withUnsafeBytes { try TensorCodec.decompress($0, elementSize: 2, rawLength: raw.count) }, raw)
        let half = [UInt8](Array(repeating: [UInt8(0x00), 0x38], count: 4096).joined())  // 4096 f16 values 0.5
        let frame = try XCTUnwrap(try half.withUnsafeBytes { try TensorCodec.compress($0, elementSize: 2, level: 19) })
        XCTAssertEqual(frame.count, 26)  // the worked example of formats/model.md §11
        XCTAssertEqual(Array(frame.prefix(5)), [0x28, 0xB5, 0x2F, 0xFD, 0x64])
    }
}
