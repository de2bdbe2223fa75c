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
}
