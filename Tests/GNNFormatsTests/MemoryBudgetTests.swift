import Foundation
import GNNFormats
import TestSupport
import XCTest

/// Declared sizes are checked against the memory budget before anything that large is allocated.
final class MemoryBudgetTests: XCTestCase {
    override func tearDown() {
        unsetenv(MemoryBudget.limitVariable)
    }

    func testLimitVariableCapsTheBudget() {
        setenv(MemoryBudget.limitVariable, "12345", 1)
        XCTAssertEqual(MemoryBudget.available(), 12345)
        XCTAssertNoThrow(try MemoryBudget.check(12345, for: "x"))
        assertGNNError("x needs 12.1 KiB, but only 12.1 KiB of memory is available; run it on a machine (or in a container) with more memory") {
            try MemoryBudget.check(12346, for: "x")
        }
    }

    /// A zstd frame of 4096 zero bytes is a few bytes long; decompressing it needs 2 × 4096 (frame and
    /// unshuffled copy), checked before either is allocated.
    func testCompressedTensorDeclaringMoreThanTheBudgetIsRefused() throws {
        let raw = [UInt8](repeating: 0, count: 4096)
        let frame = try XCTUnwrap(raw.withUnsafeBytes { try TensorCodec.compress($0, elementSize: 4, level: 1) })
        setenv(MemoryBudget.limitVariable, "8191", 1)
        assertGNNError("decompressing this tensor's declared 4096 bytes needs 8.0 KiB, but only 8.0 KiB of memory is available") {
            try frame.withUnsafeBytes { try TensorCodec.decompress($0, elementSize: 4, rawLength: 4096) }
        }
        setenv(MemoryBudget.limitVariable, "8192", 1)
        XCTAssertEqual(try frame.withUnsafeBytes { try TensorCodec.decompress($0, elementSize: 4, rawLength: 4096) }, raw)
    }
}
