import GNNKernels
import XCTest

/// A buffer the system cannot give is an error the caller reports (with the size), never a trap.
final class LargeBufferTests: XCTestCase {
    func testSizeBeyondTheAddressSpaceThrowsWithoutAllocating() {
        XCTAssertThrowsError(try LargeBuffer.allocate(Int.max / 2)) { error in
            XCTAssertEqual((error as? LargeBuffer.OutOfMemory)?.bytes, .max, "the byte count overflows: reported as the largest")
        }
    }

    func testSizeTheSystemRefusesThrowsWithTheSize() {
        let floats = 1 << 50   // 4 PiB: more than any machine's memory and its 48-bit address space
        XCTAssertThrowsError(try LargeBuffer.allocate(floats)) { error in
            XCTAssertEqual((error as? LargeBuffer.OutOfMemory)?.bytes, floats * 4)
        }
    }

    func testBufferOfAHugePageOrMoreIsAlignedToIt() throws {
        let buffer = try LargeBuffer.allocate(1 << 20)   // 4 MiB
        defer { LargeBuffer.deallocate(buffer) }
        XCTAssertEqual(Int(bitPattern: buffer.baseAddress) % (2 << 20), 0)
        buffer[buffer.count - 1] = 1
        XCTAssertEqual(buffer[buffer.count - 1], 1)
    }
}
